#!/usr/bin/env node
// Renders the README's pictures (images/diagnostics.png, images/completion.png):
// a sample ruleset highlighted by this extension's grammar in the colours
// of VS Code's Dark+ theme, with the diagnostics and completion items that
// the real `rulec lsp` returns for it. VS Code itself cannot be run here,
// so this draws the editor; everything shown comes from the grammar and
// the server. Needs Go (or $RULEC) and Chromium; not part of `npm test`.
//
//   node tools/render-preview.js

const cp = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const rpc = require("vscode-jsonrpc/node");
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const root = path.resolve(__dirname, "..");
const repo = path.resolve(root, "..", "..");

const SAMPLE = `ruleset "demo-shop"

statuses order {
  "Nová"       -> new_confirmed
  "Vyřízena"   -> completed
  "Stornována" -> cancelled
}

# Balíkobot: tell the customer once when the parcel waits
rule "pickup ready"
on shipment.status_changed
when shipment.status = ready_for_pickup once
do
  sms(to: order.buyer.phone, text: "Parcel {shipment.tracking_number} waits.")
  set_status(status: "Vyrizena")
  email(to: order.buyer.
`;

// Dark+ (VS Code's default dark theme), the rules that matter here.
const THEME = [
  ["comment", "#6A9955"],
  ["string", "#CE9178"],
  ["constant.numeric", "#B5CEA8"],
  ["constant.language", "#569CD6"],
  ["constant.character.escape", "#D7BA7D"],
  ["keyword", "#569CD6"],
  ["keyword.control", "#C586C0"],
  ["keyword.operator", "#D4D4D4"],
  ["storage.type", "#569CD6"],
  ["entity.name.function", "#DCDCAA"],
  ["entity.name.type", "#4EC9B0"],
  ["entity.name.namespace", "#4EC9B0"],
  ["support.type", "#4EC9B0"],
  ["variable", "#9CDCFE"],
  ["variable.other.enummember", "#4FC1FF"],
  ["variable.other.constant", "#4FC1FF"],
  ["meta.embedded", "#D4D4D4"],
  ["punctuation.section.embedded", "#569CD6"],
  ["invalid", "#F44747"],
];

function colour(scopes) {
  for (let i = scopes.length - 1; i >= 0; i--) {
    let best;
    for (const [sel, c] of THEME) {
      if ((scopes[i] === sel || scopes[i].startsWith(sel + ".")) && (!best || sel.length > best[0].length)) best = [sel, c];
    }
    if (best) return best[1];
  }
  return "#D4D4D4";
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () => {
      const file = path.join(root, "syntaxes", "automat.tmLanguage.json");
      return textmate.parseRawGrammar(fs.readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.automat");
}

function rulec(tmp) {
  if (process.env.RULEC) return process.env.RULEC;
  const out = path.join(tmp, "rulec");
  cp.execFileSync("go", ["build", "-o", out, "./cmd/rulec"], { cwd: repo, stdio: "inherit" });
  return out;
}

/** Opens the sample in rulec lsp; returns its diagnostics and the completion at the end of the last line. */
async function askServer(bin, dir) {
  const file = path.join(dir, "shop.rules");
  fs.writeFileSync(file, SAMPLE);
  const uri = "file://" + file;
  const proc = cp.spawn(bin, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
  const diagnostics = new Promise((resolve) =>
    conn.onNotification("textDocument/publishDiagnostics", (d) => d.uri === uri && d.diagnostics.length && resolve(d.diagnostics)),
  );
  conn.listen();
  await conn.sendRequest("initialize", {
    processId: process.pid,
    rootUri: "file://" + dir,
    workspaceFolders: [{ uri: "file://" + dir, name: "demo-shop" }],
    capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true } } } },
  });
  conn.sendNotification("initialized", {});
  conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "automat-rules", version: 1, text: SAMPLE } });
  const lines = SAMPLE.split("\n");
  const line = lines.length - 2;
  const cursor = { line, character: lines[line].length };
  const diags = await diagnostics;
  const completion = await conn.sendRequest("textDocument/completion", { textDocument: { uri }, position: cursor });
  await conn.sendRequest("shutdown");
  conn.sendNotification("exit");
  return { diags, items: Array.isArray(completion) ? completion : completion.items, cursor };
}

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function editorHtml(grammar, { diags, items, cursor }, mode) {
  const lines = SAMPLE.split("\n").slice(0, -1);
  let stack = textmate.INITIAL;
  const rows = lines.map((line, n) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    // Split tokens at squiggle boundaries (LSP columns are UTF-16, as JS strings are).
    const cuts = new Set([0, line.length]);
    for (const t of r.tokens) cuts.add(t.startIndex);
    // While the suggestion list is open the line being typed has no squiggle yet (diagnostics are debounced).
    const marks = diags.filter((d) => d.range.start.line === n && !(mode === "completion" && n === cursor.line));
    for (const d of marks) {
      cuts.add(d.range.start.character);
      cuts.add(Math.min(d.range.end.character, line.length));
    }
    const xs = [...cuts].sort((a, b) => a - b);
    let html = "";
    for (let i = 0; i + 1 < xs.length; i++) {
      const [a, b] = [xs[i], xs[i + 1]];
      const tok = r.tokens.filter((t) => t.startIndex <= a).pop();
      const wavy = marks.some((d) => d.range.start.character <= a && a < d.range.end.character);
      html += `<span style="color:${colour(tok.scopes)}"${wavy ? ' class="err"' : ""}>${esc(line.slice(a, b))}</span>`;
    }
    if (mode === "completion" && n === cursor.line) html += '<span class="caret"></span>';
    return `<div class="row${n === cursor.line && mode === "completion" ? " current" : ""}"><span class="ln">${n + 1}</span><span class="code">${html}</span></div>`;
  });
  let overlay = "";
  if (mode === "diagnostics") {
    const d = diags[0];
    overlay = `<div class="box hover" style="top:${(d.range.start.line - 3.2) * 19 + 8}px;left:${70 + d.range.start.character * 8.4}px">
      <div class="msg">${esc(d.message)} <span class="src">${esc(d.source)}(${esc(String(d.code))})</span></div>
      <div class="actions"><span>View Problem (Alt+F8)</span><span>Quick Fix... (Ctrl+.)</span></div></div>`;
  } else {
    const list = items
      .slice(0, 8)
      .map((it, i) => `<div class="item${i === 0 ? " sel" : ""}"><span class="icon"></span><span class="label">${esc(it.label)}</span><span class="detail">${esc(it.detail ?? "")}</span></div>`)
      .join("");
    overlay = `<div class="box suggest" style="top:${(cursor.line + 1) * 19 + 8}px;left:${70 + cursor.character * 8.4}px">${list}</div>`;
  }
  return `<!doctype html><meta charset="utf-8"><style>
  body{margin:0;background:#1e1e1e;font:14px/19px "DejaVu Sans Mono",monospace;color:#d4d4d4}
  .ed{position:relative;padding:8px 0}
  .row{white-space:pre;height:19px}.row.current{background:#2a2d2e}
  .ln{display:inline-block;width:48px;text-align:right;color:#858585;margin-right:22px}
  .err{text-decoration:underline wavy #f14c4c;text-underline-offset:3px}
  .caret{display:inline-block;width:2px;height:17px;background:#aeafad;vertical-align:-3px}
  .box{position:absolute;background:#252526;border:1px solid #454545;box-shadow:0 2px 8px #000a;font-family:"DejaVu Sans",sans-serif;font-size:13px}
  .hover .msg{padding:6px 10px;color:#cccccc}.src{color:#8c8c8c}
  .hover .actions{border-top:1px solid #454545;padding:5px 10px;color:#3794ff;display:flex;gap:18px}
  .suggest{width:360px;font-family:"DejaVu Sans Mono",monospace}
  .item{display:flex;align-items:center;height:22px;padding:0 6px;color:#d4d4d4}.item.sel{background:#04395e}
  .icon{width:12px;height:12px;border:2px solid #75beff;border-radius:2px;margin-right:8px;box-sizing:border-box}
  .label{flex:1}.detail{color:#8c8c8c;font-size:12px}
  </style><div class="ed">${rows.join("")}${overlay}</div>`;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "automat-preview-"));
  try {
    const grammar = await loadGrammar();
    const answers = await askServer(rulec(tmp), tmp);
    fs.mkdirSync(path.join(root, "images"), { recursive: true });
    for (const mode of ["diagnostics", "completion"]) {
      const html = path.join(tmp, `${mode}.html`);
      fs.writeFileSync(html, editorHtml(grammar, answers, mode));
      const png = path.join(root, "images", `${mode}.png`);
      const height = mode === "completion" ? 500 : 340;
      cp.execFileSync(process.env.CHROMIUM ?? "chromium", [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        `--window-size=900,${height}`, `--screenshot=${png}`, "file://" + html,
      ], { stdio: "ignore" });
      console.log(`wrote ${path.relative(process.cwd(), png)}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
