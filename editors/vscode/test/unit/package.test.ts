// package.json against the code and files it names: the command, the
// settings the client reads, the language, the grammar, workspace trust.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { RESTART_COMMAND } from "../../src/controller";
import { SETTINGS_QUERY } from "../../src/discovery";

const root = path.resolve(__dirname, "..", "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const contributes = pkg.contributes;

test("the language: id automat-rules for *.rules, activation on it, and the client's document selector", () => {
  assert.deepEqual(
    contributes.languages.map((l: { id: string; extensions: string[] }) => [l.id, l.extensions]),
    [["automat-rules", [".rules"]]],
  );
  assert.ok(pkg.activationEvents.includes("onLanguage:automat-rules"));
  const src = fs.readFileSync(path.join(root, "src", "extension.ts"), "utf8");
  assert.match(src, /language: "automat-rules"/);
  assert.ok(fs.existsSync(path.join(root, contributes.languages[0].configuration)));
});

test("the grammar file exists and has the contributed scope name", () => {
  const [g] = contributes.grammars;
  const grammar = JSON.parse(fs.readFileSync(path.join(root, g.path), "utf8"));
  assert.equal(g.language, "automat-rules");
  assert.equal(grammar.scopeName, g.scopeName);
});

test("the restart command is contributed under the Automat category", () => {
  assert.deepEqual(contributes.commands, [{ command: RESTART_COMMAND, title: "Restart Language Server", category: "Automat" }]);
});

test("the settings are the ones the client reads, and the server ones are restricted in untrusted workspaces", () => {
  const props = contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), ["automat.server.args", "automat.server.path", "automat.trace.server"]);
  assert.ok(Object.keys(props).filter((k) => k.startsWith(SETTINGS_QUERY + ".")).length === 2, "Open Settings shows both server settings");
  assert.deepEqual(props["automat.trace.server"].enum, ["off", "messages", "verbose"]);
  assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ["automat.server.path", "automat.server.args"]);
});

test("packaging: main is the esbuild bundle, vsce needs no prompt (repository, license), vscode stays external", () => {
  assert.equal(pkg.main, "./dist/extension.js");
  assert.ok(pkg.repository?.url, "vsce asks without a repository");
  assert.ok(fs.existsSync(path.join(root, "LICENSE")), "vsce asks without a LICENSE");
  assert.match(pkg.scripts.bundle, /--external:vscode/);
  assert.equal(pkg.scripts["vscode:prepublish"], "npm run build");
  assert.ok(!("vscode" in (pkg.dependencies ?? {})), "the vscode module is the editor's, never a dependency");
  // The README's relative pictures must resolve under this folder, not the repository root.
  assert.match(pkg.scripts.package, /--baseImagesUrl https:\/\/github\.com\/automat-rules\/automat\/raw\/HEAD\/editors\/vscode( |$)/);
  for (const m of fs.readFileSync(path.join(root, "README.md"), "utf8").matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
    assert.ok(fs.existsSync(path.join(root, m[1])), `README picture ${m[1]} is missing`);
  }
});
