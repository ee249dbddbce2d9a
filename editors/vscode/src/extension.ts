// The VS Code side of Automat: wires the editor and vscode-languageclient
// into the Controller, which starts `rulec lsp`. Highlighting needs no code:
// it comes from the TextMate grammar in syntaxes/.

import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  ErrorHandler,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { Controller, ServerCommand } from "./controller";
import { CrashPolicy } from "./crashPolicy";
import { nodeHost } from "./nodeHost";

let controller: Controller | undefined;

/** The first workspace folder on disk: relative settings resolve against it. */
function workspaceFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file");
  return folder?.uri.fsPath;
}

export function activate(context: vscode.ExtensionContext): Promise<void> {
  // One output channel and one watcher for every client a restart creates.
  const output = vscode.window.createOutputChannel("Automat Language Server");
  const watcher = vscode.workspace.createFileSystemWatcher("**/*.rules");
  context.subscriptions.push(output, watcher);
  const factory = (server: ServerCommand): LanguageClient => {
    let client: LanguageClient | undefined;
    const policy = new CrashPolicy();
    const errorHandler: ErrorHandler = {
      // A message the server sends garbled: keep going (and log it), as the
      // default handler does for the first few.
      error: (_err, _msg, count) =>
        (count ?? 0) <= 3 ? { action: ErrorAction.Continue, handled: true } : { action: ErrorAction.Shutdown, handled: true },
      closed: () => {
        const d = policy.closed(client?.state === State.Running);
        output.appendLine(d.log);
        return {
          action: d.restart ? CloseAction.Restart : CloseAction.DoNotRestart,
          message: d.notify,
          handled: d.notify === undefined,
        };
      },
    };
    // No `transport` here on purpose: with TransportKind.stdio the client
    // appends "--stdio" to the arguments, and rulec lsp (stdio only) would
    // reject the unknown flag. Without it the client still speaks over the
    // process's stdin and stdout.
    const serverOptions: ServerOptions = { command: server.command, args: server.args };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "automat-rules" },
        { scheme: "untitled", language: "automat-rules" },
      ],
      // The server follows imports and folders: tell it about .rules files
      // created, changed or deleted outside the editor.
      synchronize: { fileEvents: watcher },
      outputChannel: output,
      errorHandler,
      // The Controller's message says what to do; the client's generic one would repeat it.
      initializationFailedHandler: () => false,
    };
    // The id "automat" makes the client follow the automat.trace.server setting.
    client = new LanguageClient("automat", "Automat Language Server", serverOptions, clientOptions);
    return client;
  };
  controller = new Controller(vscode, () => nodeHost(workspaceFolder()), factory, output);
  return controller.activate(context.subscriptions);
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
