// Binary discovery, settings and messages (src/discovery.ts), on a fake
// machine; and the real file checks (src/nodeHost.ts) on temporary files.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  discover,
  Discovery,
  expandPath,
  FileKind,
  findOnPath,
  Host,
  INSTALL_HINT,
  problemMessage,
  readSettings,
  startFailedMessage,
} from "../../src/discovery";
import { statFile } from "../../src/nodeHost";

function fakeHost(files: Record<string, FileKind>, env: Record<string, string>, platform = "linux", workspaceFolder?: string): Host {
  return { platform, env, workspaceFolder, stat: (f) => files[f] ?? "missing" };
}

function message(d: Discovery): string {
  assert.equal(d.ok, false, "expected a failure");
  return d.ok ? "" : d.message;
}

test("readSettings: defaults for missing or mistyped values, trims the path", () => {
  assert.deepEqual(readSettings(() => undefined), { serverPath: "", serverArgs: [] });
  assert.deepEqual(readSettings(() => 42), { serverPath: "", serverArgs: [] });
  const vals: Record<string, unknown> = { "server.path": "  /opt/rulec ", "server.args": ["--debug", 3, null, "-v"] };
  assert.deepEqual(readSettings((k) => vals[k]), { serverPath: "/opt/rulec", serverArgs: ["--debug", "-v"] });
});

test("expandPath: ~ and ${env:NAME}", () => {
  const env = { HOME: "/home/jan", GOBIN: "/home/jan/go/bin" };
  assert.equal(expandPath("~/bin/rulec", env), "/home/jan/bin/rulec");
  assert.equal(expandPath("~", env), "/home/jan");
  assert.equal(expandPath("${env:GOBIN}/rulec", env), "/home/jan/go/bin/rulec");
  assert.equal(expandPath("${env:NOPE}/rulec", env), "/rulec");
  assert.equal(expandPath("/abs/~/rulec", env), "/abs/~/rulec");
  assert.equal(expandPath("~\\bin\\rulec.exe", { USERPROFILE: "C:\\Users\\jan" }), "C:\\Users\\jan\\bin\\rulec.exe");
});

test("findOnPath: first executable in PATH order; skips empty entries, plain files and folders", () => {
  const host = fakeHost(
    { "/a/rulec": "file", "/b/rulec": "directory", "/c/rulec": "executable", "/d/rulec": "executable", "rulec": "executable" },
    { PATH: ":/a::/b:/c:/d" },
  );
  assert.equal(findOnPath("rulec", host), "/c/rulec");
  assert.equal(findOnPath("rulec", fakeHost({}, {})), undefined, "no PATH at all");
});

test("findOnPath on Windows: ';', Path spelled as Windows does, PATHEXT in order", () => {
  const host = fakeHost(
    { "C:\\go\\bin\\rulec.exe": "executable", "C:\\tools\\rulec.cmd": "executable" },
    { Path: "C:\\tools;C:\\go\\bin", PATHEXT: ".COM;.EXE" },
    "win32",
  );
  assert.equal(findOnPath("rulec", host), "C:\\go\\bin\\rulec.exe", ".CMD is not in this PATHEXT");
  const dflt = fakeHost({ "C:\\tools\\rulec.cmd": "executable" }, { Path: "C:\\tools" }, "win32");
  assert.equal(findOnPath("rulec", dflt), "C:\\tools\\rulec.cmd", "default PATHEXT");
});

test("discover: rulec from PATH, with lsp and the extra args after it", () => {
  const host = fakeHost({ "/usr/local/bin/rulec": "executable" }, { PATH: "/usr/bin:/usr/local/bin" });
  assert.deepEqual(discover({ serverPath: "", serverArgs: ["--log", "x y"] }, host), {
    ok: true,
    command: "/usr/local/bin/rulec",
    args: ["lsp", "--log", "x y"],
    source: "path",
  });
});

test("discover: the configured path wins over PATH", () => {
  const host = fakeHost({ "/opt/rulec": "executable", "/usr/bin/rulec": "executable" }, { PATH: "/usr/bin" });
  assert.deepEqual(discover({ serverPath: "/opt/rulec", serverArgs: [] }, host), {
    ok: true,
    command: "/opt/rulec",
    args: ["lsp"],
    source: "setting",
  });
});

test("discover: a setting with ~, ${env:..}, a bare name or a relative path", () => {
  const files: Record<string, FileKind> = {
    "/home/jan/go/bin/rulec": "executable",
    "/opt/dev/rulec-dev": "executable",
    "/work/shop/bin/rulec": "executable",
  };
  const host = fakeHost(files, { HOME: "/home/jan", GOPATH: "/home/jan/go", PATH: "/opt/dev" }, "linux", "/work/shop");
  const cmd = (p: string) => {
    const d = discover({ serverPath: p, serverArgs: [] }, host);
    return d.ok ? d.command : d.message;
  };
  assert.equal(cmd("~/go/bin/rulec"), "/home/jan/go/bin/rulec");
  assert.equal(cmd("${env:GOPATH}/bin/rulec"), "/home/jan/go/bin/rulec");
  assert.equal(cmd("rulec-dev"), "/opt/dev/rulec-dev", "a bare name is looked up on PATH");
  assert.equal(cmd("./bin/rulec"), "/work/shop/bin/rulec", "relative to the workspace folder");
  assert.equal(cmd("bin/rulec"), "/work/shop/bin/rulec");
});

test("discover on Windows: a configured path without .exe finds rulec.exe", () => {
  const host = fakeHost({ "C:\\tools\\rulec.exe": "executable" }, { Path: "" }, "win32");
  const d = discover({ serverPath: "C:\\tools\\rulec", serverArgs: [] }, host);
  assert.deepEqual(d, { ok: true, command: "C:\\tools\\rulec.exe", args: ["lsp"], source: "setting" });
});

test("discover: a wrong setting is an error naming the setting and the path, never a silent fallback to PATH", () => {
  const host = fakeHost(
    { "/usr/bin/rulec": "executable", "/opt/tools": "directory", "/opt/rulec.txt": "file" },
    { PATH: "/usr/bin" },
  );
  const cases: [string, string, RegExp][] = [
    ["/nope/rulec", "setting-missing", /"automat\.server\.path" is \/nope\/rulec, which does not exist/],
    ["/opt/tools", "setting-directory", /\/opt\/tools, which is a folder.*rulec binary inside/],
    ["/opt/rulec.txt", "setting-not-executable", /\/opt\/rulec\.txt, which is not executable.*chmod \+x/],
    ["rulec-missing", "setting-missing", /rulec-missing, which does not exist/],
  ];
  for (const [setting, problem, re] of cases) {
    const d = discover({ serverPath: setting, serverArgs: [] }, host);
    assert.equal(d.ok ? "ok" : d.problem, problem, setting);
    assert.match(message(d), re);
    assert.match(message(d), /clear (it|the setting) to use rulec from PATH/);
  }
});

test("discover: without rulec the message says what is off and how to install or configure it", () => {
  const d = discover({ serverPath: "", serverArgs: [] }, fakeHost({ "/usr/bin/rulec": "file" }, { PATH: "/usr/bin" }));
  assert.equal(d.ok ? "" : d.problem, "not-on-path");
  const m = message(d);
  assert.match(m, /^Automat: rulec was not found on PATH/);
  assert.match(m, /diagnostics, completion and formatting are off \(highlighting still works\)/);
  assert.ok(m.includes(INSTALL_HINT), m);
  assert.match(m, /"automat\.server\.path"/);
  assert.equal(problemMessage("not-on-path"), m);
});

test("startFailedMessage names the command, the reason and where to look", () => {
  const m = startFailedMessage("/usr/bin/rulec", ["lsp", "--bad"], new Error("Connection to server got closed."));
  assert.equal(
    m,
    'Automat: the language server "/usr/bin/rulec lsp --bad" failed to start: Connection to server got closed. ' +
      'Check that this rulec has the lsp command (rulec lsp -h) and that "automat.server.args" are valid; ' +
      "the server's own output is in the Output panel.",
  );
  assert.match(startFailedMessage("rulec", ["lsp"], "spawn EACCES"), /failed to start: spawn EACCES\./);
});

test("statFile: executable, plain file, folder, missing, symlink to an executable", (t) => {
  if (process.platform === "win32") return t.skip("execute bits are POSIX");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "automat-stat-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const exe = path.join(dir, "rulec");
  const txt = path.join(dir, "notes.txt");
  fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
  fs.writeFileSync(txt, "x", { mode: 0o644 });
  fs.symlinkSync(exe, path.join(dir, "link"));
  assert.equal(statFile(exe), "executable");
  assert.equal(statFile(txt), "file");
  assert.equal(statFile(dir), "directory");
  assert.equal(statFile(path.join(dir, "nope")), "missing");
  assert.equal(statFile(path.join(dir, "link")), "executable");
  assert.equal(statFile(txt, "win32"), "executable", "Windows has no execute bit");
});
