// The client's life (src/controller.ts) with a stub editor and fake
// clients: start, the missing-binary and failed-start messages and their
// buttons, restart by command and by settings change, serialization.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { Client, Controller, Disposable, EditorApi, RESTART_COMMAND, ServerCommand } from "../../src/controller";
import { FileKind, Host, OPEN_SETTINGS, SETTINGS_QUERY, SHOW_OUTPUT } from "../../src/discovery";
import { changeConfig, EditorState, newState } from "./vscodeStub";

class FakeClient implements Client {
  state: "new" | "starting" | "running" | "failed" | "disposed" = "new";
  constructor(
    readonly server: ServerCommand,
    private readonly log: string[],
    private readonly fail?: Error | "silently",
  ) {}
  async start(): Promise<void> {
    this.log.push(`start ${this.server.command}`);
    this.state = "starting";
    await new Promise((r) => setImmediate(r));
    if (this.fail === "silently") {
      this.state = "failed"; // what vscode-languageclient does when the process dies mid-handshake
      return;
    }
    if (this.fail) throw this.fail;
    this.state = "running";
  }
  isRunning(): boolean {
    return this.state === "running";
  }
  async dispose(): Promise<void> {
    this.log.push(`dispose ${this.server.command}`);
    await new Promise((r) => setImmediate(r));
    this.state = "disposed";
  }
}

interface Rig {
  state: EditorState;
  clients: FakeClient[];
  log: string[];
  files: Record<string, FileKind>;
  env: Record<string, string>;
  failNext?: Error | "silently";
  controller: Controller;
  subscriptions: Disposable[];
}

function rig(): Rig {
  const state = newState();
  const r = { state, clients: [] as FakeClient[], log: [] as string[], files: {}, env: { PATH: "/usr/bin" }, subscriptions: [] } as unknown as Rig;
  const api: EditorApi = {
    workspace: {
      getConfiguration: () => ({ get: <T>(key: string) => state.config[key] as T | undefined }),
      onDidChangeConfiguration: (l) => {
        state.configListeners.push(l);
        return { dispose() {} };
      },
    },
    window: {
      showErrorMessage: async (message, ...buttons) => {
        state.errors.push({ message, buttons });
        return state.answer;
      },
    },
    commands: {
      registerCommand: (id, fn) => {
        state.commands.set(id, fn);
        return { dispose() {} };
      },
      executeCommand: async (...args) => {
        state.executed.push(args);
      },
    },
  };
  const host = (): Host => ({ platform: "linux", env: r.env, stat: (f) => r.files[f] ?? "missing" });
  const factory = (server: ServerCommand) => {
    const c = new FakeClient(server, r.log, r.failNext);
    r.failNext = undefined;
    r.clients.push(c);
    return c;
  };
  r.controller = new Controller(api, host, factory, { show: () => state.outputShown++ });
  return r;
}

test("activate starts rulec from PATH and registers the restart command", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  await r.controller.activate(r.subscriptions);
  assert.equal(r.clients.length, 1);
  assert.deepEqual(r.clients[0].server, { command: "/usr/bin/rulec", args: ["lsp"] });
  assert.equal(r.clients[0].state, "running");
  assert.ok(r.controller.running);
  assert.ok(r.state.commands.has(RESTART_COMMAND));
  assert.equal(r.state.errors.length, 0);
  assert.equal(r.subscriptions.length, 3, "command, settings listener, stop on dispose");
});

test("without rulec: one error, no client, and the button opens the automat.server settings", async () => {
  const r = rig();
  r.state.answer = OPEN_SETTINGS;
  await r.controller.activate(r.subscriptions);
  await r.controller.notice;
  assert.equal(r.clients.length, 0);
  assert.equal(r.controller.running, false);
  assert.equal(r.state.errors.length, 1);
  assert.match(r.state.errors[0].message, /rulec was not found on PATH/);
  assert.deepEqual(r.state.errors[0].buttons, [OPEN_SETTINGS]);
  assert.deepEqual(r.state.executed, [["workbench.action.openSettings", SETTINGS_QUERY]]);
});

test("a dismissed message does nothing more", async () => {
  const r = rig();
  r.state.answer = undefined;
  await r.controller.activate(r.subscriptions);
  await r.controller.notice;
  assert.equal(r.state.executed.length, 0);
});

test("a server that fails to start is disposed and explained, with Show Output and Open Settings", async () => {
  const r = rig();
  r.files["/opt/rulec"] = "executable";
  r.state.config["server.path"] = "/opt/rulec";
  r.state.config["server.args"] = ["--bogus"];
  r.failNext = new Error("Connection to server got closed.");
  r.state.answer = SHOW_OUTPUT;
  await r.controller.activate(r.subscriptions);
  await r.controller.notice;
  assert.equal(r.clients[0].state, "disposed");
  assert.equal(r.controller.running, false);
  assert.equal(r.state.errors.length, 1);
  assert.match(r.state.errors[0].message, /"\/opt\/rulec lsp --bogus" failed to start: Connection to server got closed\./);
  assert.deepEqual(r.state.errors[0].buttons, [SHOW_OUTPUT, OPEN_SETTINGS]);
  assert.equal(r.state.outputShown, 1);
});

test("a start that resolves without a running server counts as failed", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  r.failNext = "silently";
  await r.controller.activate(r.subscriptions);
  assert.equal(r.controller.running, false);
  assert.equal(r.clients[0].state, "disposed");
  assert.match(r.state.errors[0].message, /"\/usr\/bin\/rulec lsp" failed to start: the process ended during the LSP handshake\./);
});

test("the restart command disposes the old client before starting a new one", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  await r.controller.activate(r.subscriptions);
  await r.state.commands.get(RESTART_COMMAND)!();
  assert.deepEqual(r.log, ["start /usr/bin/rulec", "dispose /usr/bin/rulec", "start /usr/bin/rulec"]);
  assert.equal(r.clients[0].state, "disposed");
  assert.equal(r.clients[1].state, "running");
});

test("restart picks up a rulec installed after a failed start", async () => {
  const r = rig();
  await r.controller.activate(r.subscriptions);
  assert.equal(r.clients.length, 0);
  r.files["/usr/bin/rulec"] = "executable";
  await r.state.commands.get(RESTART_COMMAND)!();
  assert.equal(r.clients.length, 1);
  assert.equal(r.clients[0].state, "running");
});

test("changing automat.server.* restarts with the new settings; the trace setting does not restart", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  r.files["/opt/rulec"] = "executable";
  await r.controller.activate(r.subscriptions);
  await changeConfig(r.state, "automat.trace.server");
  await r.controller.restart(); // let any queued restart finish (none expected from the trace change)
  assert.equal(r.clients.length, 2, "only the explicit restart");
  r.state.config["server.path"] = "/opt/rulec";
  await changeConfig(r.state, "automat.server.path");
  await r.controller.stop();
  assert.deepEqual(
    r.clients.map((c) => [c.server.command, c.state]),
    [
      ["/usr/bin/rulec", "disposed"],
      ["/usr/bin/rulec", "disposed"],
      ["/opt/rulec", "disposed"],
    ],
  );
});

test("concurrent restarts run one after another: never two servers at once", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  await r.controller.activate(r.subscriptions);
  await Promise.all([r.controller.restart(), r.controller.restart(), r.controller.restart()]);
  assert.deepEqual(r.log, [
    "start /usr/bin/rulec",
    "dispose /usr/bin/rulec",
    "start /usr/bin/rulec",
    "dispose /usr/bin/rulec",
    "start /usr/bin/rulec",
    "dispose /usr/bin/rulec",
    "start /usr/bin/rulec",
  ]);
  assert.equal(r.clients.filter((c) => c.state === "running").length, 1);
});

test("a restart still happens after a failed one", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  r.failNext = new Error("boom");
  await r.controller.activate(r.subscriptions);
  assert.equal(r.controller.running, false);
  await r.controller.restart();
  assert.equal(r.controller.running, true);
});

test("stop disposes the client, and disposing the subscriptions stops it too", async () => {
  const r = rig();
  r.files["/usr/bin/rulec"] = "executable";
  await r.controller.activate(r.subscriptions);
  for (const s of r.subscriptions) s.dispose();
  await r.controller.stop(); // queued after the stop the dispose started
  assert.equal(r.clients[0].state, "disposed");
  assert.equal(r.controller.running, false);
});
