// The extension as VS Code loads it (src/extension.ts), with a stub of the
// `vscode` module and the real vscode-languageclient starting real
// processes: a fake server that records its arguments, and the real
// `rulec lsp` built from this repository.
import { test, before, after } from "node:test";
import * as assert from "node:assert/strict";
import * as cp from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installVscodeStub, newState } from "./vscodeStub";

const state = newState();
installVscodeStub(state);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext: typeof import("../../src/extension") = require("../../src/extension");

const root = path.resolve(__dirname, "..", "..", ".."); // editors/vscode (tests run from out/test/unit)
const repo = path.resolve(root, "..", "..");
let tmp = "";
let fake = "";
let log = "";

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "automat-ext-"));
  fake = path.join(tmp, "rulec-fake");
  fs.copyFileSync(path.join(root, "test", "fixtures", "fake-server.js"), fake);
  fs.chmodSync(fake, 0o755);
  log = path.join(tmp, "server.log");
  process.env.FAKE_SERVER_LOG = log;
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function reset(config: Record<string, unknown>) {
  state.config = config;
  state.errors = [];
  state.executed = [];
  state.commands.clear();
  state.configListeners = [];
  fs.rmSync(log, { force: true });
}

function started(): { pid: number; args: string[] }[] {
  if (!fs.existsSync(log)) return [];
  return fs
    .readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function context() {
  return { subscriptions: [] as { dispose(): unknown }[] };
}

test("starts the configured server as `PATH lsp ARGS` (no --stdio), and restart replaces the process", async () => {
  reset({ "server.path": fake, "server.args": ["--log-level", "debug"] });
  await ext.activate(context() as never);
  assert.deepEqual(state.errors, []);
  const first = started();
  assert.equal(first.length, 1);
  assert.deepEqual(first[0].args, ["lsp", "--log-level", "debug"]);
  assert.ok(alive(first[0].pid), "server running after initialize");

  await state.commands.get("automat.restartServer")!();
  const both = started();
  assert.equal(both.length, 2);
  await until(() => !alive(first[0].pid), "the old server to exit");
  assert.ok(alive(both[1].pid), "new server running");

  await ext.deactivate();
  await until(() => !alive(both[1].pid), "the server to exit on deactivate");
});

test("a server that exits at once: our message says what to do, and it is not restarted in a loop", async () => {
  reset({ "server.path": fake, "server.args": ["--bogus"] });
  process.env.FAKE_SERVER_FAIL = "1";
  // vscode-languageclient leaves two promises unhandled when a server dies
  // while starting (VS Code only logs them); the test runner would pin them
  // on this test, so they are collected here, and anything else fails it.
  const known = /Pending response rejected since connection got disposed|Client is not running and can't be stopped/;
  const unexpected: unknown[] = [];
  const runnerListeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (err) => {
    if (!(err instanceof Error && known.test(err.message))) unexpected.push(err);
  });
  try {
    await ext.activate(context() as never);
    const ours = () => state.errors.find((e) => e.message.startsWith("Automat: the language server"));
    await until(() => ours() !== undefined, "our error message");
    assert.match(ours()!.message, /^Automat: the language server ".*rulec-fake lsp --bogus" failed to start: /);
    assert.deepEqual(ours()!.buttons, ["Show Output", "Open Settings"]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(started().length, 1, "started once, not restarted");
    // vscode-languageclient always adds its own "couldn't create connection"; nothing else.
    const others = state.errors.filter((e) => e !== ours()).map((e) => e.message);
    assert.deepEqual(others, ["Automat Language Server client: couldn't create connection to server."]);
    assert.deepEqual(unexpected, []);
  } finally {
    process.removeAllListeners("unhandledRejection");
    for (const l of runnerListeners) process.on("unhandledRejection", l);
    delete process.env.FAKE_SERVER_FAIL;
    await ext.deactivate();
  }
});

test("a server that keeps crashing is restarted 4 times, then the user is told", async () => {
  reset({ "server.path": fake });
  process.env.FAKE_SERVER_CRASH = "1";
  try {
    await ext.activate(context() as never);
    await until(() => state.errors.length > 0, "the give-up message", 15000);
  } finally {
    delete process.env.FAKE_SERVER_CRASH;
  }
  assert.equal(started().length, 5, "the first start and 4 restarts");
  assert.equal(state.errors.length, 1);
  assert.match(state.errors[0].message, /^Automat: the language server ended 5 times in 3 minutes, so it is not restarted again\./);
  assert.match(state.errors[0].message, /"Automat: Restart Language Server"/);
  // The restart command brings it back.
  fs.rmSync(log);
  await state.commands.get("automat.restartServer")!();
  assert.equal(started().length, 1);
  await ext.deactivate();
});

test("the bundle VS Code loads (dist/extension.js, built by npm test) starts the server the same way", async () => {
  const bundle = path.join(root, "dist", "extension.js");
  assert.ok(fs.existsSync(bundle), "run `npm run build` first (npm test does)");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dist: typeof ext = require(bundle);
  reset({ "server.path": fake, "server.args": ["-x"] });
  await dist.activate(context() as never);
  assert.deepEqual(state.errors, []);
  assert.deepEqual(
    started().map((s) => s.args),
    [["lsp", "-x"]],
  );
  assert.ok(state.commands.has("automat.restartServer"));
  const pid = started()[0].pid;
  await dist.deactivate();
  await until(() => !alive(pid), "the server to exit");
});

test("a missing binary gives the message with a button to the settings", async () => {
  reset({ "server.path": path.join(tmp, "no-such-rulec") });
  state.answer = "Open Settings";
  try {
    await ext.activate(context() as never);
    await until(() => state.executed.length > 0, "the settings to open");
  } finally {
    state.answer = undefined;
  }
  assert.equal(started().length, 0);
  assert.match(state.errors[0].message, /no-such-rulec, which does not exist/);
  assert.deepEqual(state.executed, [["workbench.action.openSettings", "automat.server"]]);
  await ext.deactivate();
});

test("the real `rulec lsp` from this repository starts and initializes", async (t) => {
  let rulec = process.env.RULEC ?? "";
  if (rulec === "") {
    const go = cp.spawnSync("go", ["version"], { encoding: "utf8" });
    if (go.error) return t.skip("go is not installed and RULEC is not set");
    rulec = path.join(tmp, "rulec");
    const build = cp.spawnSync("go", ["build", "-o", rulec, "./cmd/rulec"], { cwd: repo, encoding: "utf8", timeout: 300_000 });
    assert.equal(build.status, 0, `go build ./cmd/rulec failed:\n${build.stderr}`);
  }
  reset({ "server.path": rulec });
  const before = new Set(children());
  await ext.activate(context() as never);
  assert.deepEqual(state.errors, [], "no error message");
  if (!fs.existsSync("/proc")) {
    await ext.deactivate(); // no process table to look at here
    return;
  }
  const servers = children().filter((p) => !before.has(p));
  assert.equal(servers.length, 1, "one rulec lsp process");
  await ext.deactivate();
  await until(() => !alive(servers[0]), "rulec lsp to exit after shutdown");
});

/** The pids of this process's children that run `... lsp` (Linux /proc; elsewhere none). */
function children(): number[] {
  if (!fs.existsSync("/proc")) return [];
  const out: number[] = [];
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0");
      if (ppid === process.pid && cmd[1] === "lsp") out.push(Number(d));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
