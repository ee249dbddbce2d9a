// The VS Code side of Automat: starts `rulec lsp` and restarts it on
// demand or when its settings change. Highlighting needs no code: it comes
// from the TextMate grammar in syntaxes/.

import * as fs from "fs";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { discover, Host, readSettings } from "./server";

let client: LanguageClient | undefined;

const host: Host = {
  platform: process.platform,
  env: process.env,
  isExecutable(file: string): boolean {
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) return false;
      if (process.platform === "win32") return true;
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

async function start(context: vscode.ExtensionContext): Promise<void> {
  const settings = readSettings((key) => vscode.workspace.getConfiguration("automat").get(key));
  const found = discover(settings, host);
  if (!found.ok) {
    const choice = await vscode.window.showErrorMessage(found.message, "Open Settings");
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "automat.server.path");
    }
    return;
  }
  const serverOptions: ServerOptions = {
    command: found.command,
    args: found.args,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "automat-rules" }, { scheme: "untitled", language: "automat-rules" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.rules") },
  };
  // The client id "automat" makes vscode-languageclient honour the
  // automat.trace.server setting.
  client = new LanguageClient("automat", "Automat Language Server", serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  if (client) {
    const old = client;
    client = undefined;
    await old.stop().catch(() => undefined);
  }
  await start(context);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("automat.restartServer", () => restart(context)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("automat.server")) void restart(context);
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
