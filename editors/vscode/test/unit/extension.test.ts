// Tests of the extension's activation with stubs of the `vscode` module
// and of vscode-languageclient, so no editor is needed.
import { test, beforeEach } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("module");

interface Recorder {
  errors: string[];
  executed: unknown[][];
  commands: Map<string, (...a: unknown[]) => unknown>;
  clients: { id: string; server: { command: string; args: string[] }; started: boolean; stopped: boolean }[];
  config: Record<string, unknown>;
  answer: string | undefined;
}

const rec: Recorder = { errors: [], executed: [], commands: new Map(), clients: [], config: {}, answer: undefined };

const vscodeStub = {
  workspace: {
    getConfiguration: () => ({ get: (k: string) => rec.config[k] }),
    createFileSystemWatcher: () => ({ dispose() {} }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  window: {
    showErrorMessage: async (msg: string) => {
      rec.errors.push(msg);
      return rec.answer;
    },
  },
  commands: {
    registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
      rec.commands.set(id, fn);
      return { dispose() {} };
    },
    executeCommand: async (...a: unknown[]) => {
      rec.executed.push(a);
    },
  },
};

class FakeClient {
  started = false;
  stopped = false;
  constructor(
    public id: string,
    _name: string,
    public server: { command: string; args: string[] },
  ) {
    rec.clients.push(this);
  }
  async start() {
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
}

const realLoad = Module._load;
Module._load = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") return vscodeStub;
  if (request === "vscode-languageclient/node") return { LanguageClient: FakeClient, TransportKind: { stdio: 0 } };
  return realLoad.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext = require("../../src/extension");

function ctx() {
  return { subscriptions: [] as { dispose(): unknown }[] };
}

beforeEach(() => {
  rec.errors = [];
  rec.executed = [];
  rec.clients = [];
  rec.commands.clear();
  rec.config = {};
  rec.answer = undefined;
});

test("without rulec the user gets an error with a button to the setting", async () => {
  const saved = process.env.PATH;
  process.env.PATH = fs.mkdtempSync(path.join(os.tmpdir(), "empty-"));
  try {
    rec.answer = "Open Settings";
    await ext.activate(ctx());
    assert.equal(rec.clients.length, 0);
    assert.match(rec.errors[0], /rulec was not found on PATH/);
    assert.deepEqual(rec.executed[0], ["workbench.action.openSettings", "automat.server.path"]);
  } finally {
    process.env.PATH = saved;
  }
});

test("a configured rulec is started with lsp and the extra args; restart stops the old client", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rulec-"));
  const bin = path.join(dir, "rulec");
  fs.writeFileSync(bin, "#!/bin/sh\n", { mode: 0o755 });
  rec.config = { "server.path": bin, "server.args": ["--log", "x"] };
  await ext.activate(ctx());
  assert.equal(rec.errors.length, 0);
  assert.equal(rec.clients.length, 1);
  assert.equal(rec.clients[0].id, "automat");
  assert.deepEqual(rec.clients[0].server, { command: bin, args: ["lsp", "--log", "x"], transport: 0 });
  assert.ok(rec.clients[0].started);

  await rec.commands.get("automat.restartServer")!();
  assert.equal(rec.clients.length, 2);
  assert.ok(rec.clients[0].stopped, "old client stopped");
  assert.ok(rec.clients[1].started, "new client started");
  await ext.deactivate();
  assert.ok(rec.clients[1].stopped);
});
