// Unit tests of binary discovery and settings (no VS Code needed).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { discover, expandPath, findOnPath, Host, readSettings } from "../../src/server";

function fakeHost(files: string[], env: Record<string, string>, platform = "linux"): Host {
  const set = new Set(files);
  return { platform, env, isExecutable: (f) => set.has(f) };
}

test("readSettings applies defaults to missing or mistyped values", () => {
  assert.deepEqual(readSettings(() => undefined), { serverPath: "", serverArgs: [] });
  const vals: Record<string, unknown> = { "server.path": "  /opt/rulec ", "server.args": ["--debug", 3, "-v"] };
  assert.deepEqual(readSettings((k) => vals[k]), { serverPath: "/opt/rulec", serverArgs: ["--debug", "-v"] });
});

test("the configured path wins over PATH", () => {
  const host = fakeHost(["/opt/rulec", "/usr/bin/rulec"], { PATH: "/usr/bin" });
  const d = discover({ serverPath: "/opt/rulec", serverArgs: ["-v"] }, host);
  assert.deepEqual(d, { ok: true, command: "/opt/rulec", args: ["lsp", "-v"], source: "setting" });
});

test("a configured path that does not exist is an error naming it, not a silent fallback", () => {
  const host = fakeHost(["/usr/bin/rulec"], { PATH: "/usr/bin" });
  const d = discover({ serverPath: "/nope/rulec", serverArgs: [] }, host);
  assert.equal(d.ok, false);
  assert.match(!d.ok ? d.message : "", /automat\.server\.path.*\/nope\/rulec/);
});

test("PATH is searched in order", () => {
  const host = fakeHost(["/b/rulec", "/c/rulec"], { PATH: "/a::/b:/c" });
  assert.equal(findOnPath("rulec", host), "/b/rulec");
  const d = discover({ serverPath: "", serverArgs: [] }, host);
  assert.deepEqual(d, { ok: true, command: "/b/rulec", args: ["lsp"], source: "path" });
});

test("missing rulec gives a message that says how to install or configure it", () => {
  const d = discover({ serverPath: "", serverArgs: [] }, fakeHost([], { PATH: "/usr/bin" }));
  assert.equal(d.ok, false);
  assert.match(!d.ok ? d.message : "", /not found on PATH.*go install.*automat\.server\.path/s);
});

test("Windows uses PATHEXT and semicolons", () => {
  const host = fakeHost(["C:\\go\\bin\\rulec.exe"], { Path: "C:\\tools;C:\\go\\bin", PATHEXT: ".COM;.EXE" }, "win32");
  assert.equal(findOnPath("rulec", host), "C:\\go\\bin\\rulec.exe");
});

test("expandPath expands ~ and ${env:NAME}", () => {
  const env = { HOME: "/home/jan", GOBIN: "/home/jan/go/bin" };
  assert.equal(expandPath("~/bin/rulec", env), "/home/jan/bin/rulec");
  assert.equal(expandPath("${env:GOBIN}/rulec", env), "/home/jan/go/bin/rulec");
  assert.equal(expandPath("/abs/rulec", env), "/abs/rulec");
});
