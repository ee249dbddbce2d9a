// The grammar and the language configuration against the rest of the
// repository: every keyword of lang/scanner is highlighted as one, the
// project's own .rules files (examples, the standard schema) have no
// invalid token, and the configuration's patterns do what they say.
// The scope-by-scope assertions are in test/grammar/*.rules.
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as oniguruma from "vscode-oniguruma";
import * as textmate from "vscode-textmate";

const root = path.resolve(__dirname, "..", "..", ".."); // editors/vscode
const repo = path.resolve(root, "..", "..");
let grammar: textmate.IGrammar;

before(async () => {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => {
      const file = path.join(root, "syntaxes", "automat.tmLanguage.json");
      return textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  const g = await registry.loadGrammar("source.automat");
  assert.ok(g);
  grammar = g;
});

interface Tok {
  text: string;
  scopes: string[];
  line: number;
}

function tokenize(src: string): Tok[] {
  let stack = textmate.INITIAL;
  const out: Tok[] = [];
  src.split(/\r?\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    for (const t of r.tokens) out.push({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes, line: i + 1 });
  });
  return out;
}

/** The reserved words as lang/scanner defines them (its keywords map). */
function scannerKeywords(): string[] {
  const src = fs.readFileSync(path.join(repo, "lang", "scanner", "scanner.go"), "utf8");
  const m = /var keywords = map\[string\]bool\{([\s\S]*?)\n\}/.exec(src);
  assert.ok(m, "keywords map not found in lang/scanner/scanner.go");
  return [...m[1].matchAll(/"([a-z]+)":\s*true/g)].map((x) => x[1]);
}

test("every keyword of lang/scanner is highlighted as a keyword, in any position", () => {
  const words = scannerKeywords();
  assert.ok(words.length >= 38, `only ${words.length} keywords found`);
  const keywordScope = /^(keyword\.|storage\.type\.|constant\.language\.)/;
  for (const w of words) {
    // Alone, after an expression, and before a parenthesis.
    for (const src of [w, `when x = 1 ${w} y`, `${w}(`]) {
      const tok = tokenize(src).find((t) => t.text === w);
      assert.ok(tok, `${JSON.stringify(w)} is not one token in ${JSON.stringify(src)}`);
      const leaf = tok.scopes[tok.scopes.length - 1];
      assert.match(leaf, keywordScope, `${JSON.stringify(w)} in ${JSON.stringify(src)} is ${leaf}`);
    }
  }
});

test("names that contain keywords, or look like them with diacritics, are names", () => {
  for (const w of scannerKeywords()) {
    for (const name of [`${w}_x`, `${w}ě`, `x${w}`, `ž${w}`, `${w}2`]) {
      const toks = tokenize(`when ${name} = 1`).filter((t) => t.text.trim() !== "");
      assert.equal(toks[1].text, name, `${name} is split: ${toks.map((t) => t.text).join("|")}`);
      assert.equal(toks[1].scopes.at(-1), "variable.other.automat", name);
    }
  }
});

test("the repository's own rules (examples, standard schema) have no invalid token", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".rules")) files.push(p);
    }
  };
  walk(path.join(repo, "examples"));
  files.push(path.join(repo, "compiler", "schema", "std.rules"));
  assert.ok(files.length >= 5, `found only ${files.length} files`);
  for (const f of files) {
    const bad = tokenize(fs.readFileSync(f, "utf8")).filter((t) => t.scopes.some((s) => s.startsWith("invalid.")));
    assert.deepEqual(
      bad.map((t) => `${path.relative(repo, f)}:${t.line}: ${JSON.stringify(t.text)} ${t.scopes.at(-1)}`),
      [],
    );
  }
});

const config = JSON.parse(fs.readFileSync(path.join(root, "language-configuration.json"), "utf8"));

test("the word pattern keeps Czech and Polish letters, combining marks and durations inside words", () => {
  const re = new RegExp(config.wordPattern.pattern, config.wordPattern.flags + "g");
  const words = (s: string) => s.match(re) ?? [];
  assert.deepEqual(words('order.status = "Vyřízena"'), ["order", "status", "Vyřízena"]);
  assert.deepEqual(words("zamówienie.źródło_łódź != Żółw"), ["zamówienie", "źródło_łódź", "Żółw"]);
  assert.deepEqual(words("Vyr\u030Ci\u0301zena"), ["Vyr\u030Ci\u0301zena"], "decomposed (NFD) letters");
  assert.deepEqual(words("wait 1d12h max 99.90"), ["wait", "1d12h", "max", "99.90"]);
  assert.deepEqual(words("{order.number}"), ["order", "number"]);
});

test("indentation: in after do and open brackets, out at closing brackets and the next declaration", () => {
  const inc = new RegExp(config.indentationRules.increaseIndentPattern);
  const dec = new RegExp(config.indentationRules.decreaseIndentPattern);
  for (const l of ["do", "  do   # then", "record bundle {", "  email(", "when x in [", "statuses order {  // phases"]) {
    assert.ok(inc.test(l), `indent after ${JSON.stringify(l)}`);
  }
  for (const l of ["# see (", "  sms(to: x)", "when x = 1", "done", "do_it()"]) {
    assert.ok(!inc.test(l), `no indent after ${JSON.stringify(l)}`);
  }
  for (const l of ["}", "  )", "]", "rule \"next\"", "when x", "on order.created", "record r {"]) {
    assert.ok(dec.test(l), `outdent ${JSON.stringify(l)}`);
  }
  for (const l of ["  sms(to: x)", "  wait 2d", "rules_count", " and x"]) {
    assert.ok(!dec.test(l), `no outdent for ${JSON.stringify(l)}`);
  }
});

test("comments and pairs: # comments, quotes close outside strings, braces close inside them (interpolation)", () => {
  assert.deepEqual(config.comments, { lineComment: "#" });
  const pair = (open: string) => config.autoClosingPairs.find((p: { open: string }) => p.open === open);
  assert.deepEqual(pair('"').notIn, ["string", "comment"]);
  assert.deepEqual(pair("{").notIn, ["comment"]);
  assert.deepEqual(config.brackets, [["{", "}"], ["[", "]"], ["(", ")"]]);
});
