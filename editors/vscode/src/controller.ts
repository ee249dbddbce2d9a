// The life of the language client: start it from the settings, restart it
// on demand or when the settings change, tell the user clearly when rulec
// is missing or does not start. The parts of `vscode` it uses and the
// client factory are injected, so the unit tests drive it with stubs.

import {
  discover,
  Host,
  OPEN_SETTINGS,
  readSettings,
  SETTINGS_QUERY,
  SHOW_OUTPUT,
  startFailedMessage,
} from "./discovery";

export interface Disposable {
  dispose(): unknown;
}

/** The subset of the `vscode` module the controller uses. */
export interface EditorApi {
  workspace: {
    getConfiguration(section: string): { get<T>(key: string): T | undefined };
    onDidChangeConfiguration(listener: (e: { affectsConfiguration(section: string): boolean }) => unknown): Disposable;
  };
  window: {
    showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined>;
  };
  commands: {
    registerCommand(command: string, callback: (...args: unknown[]) => unknown): Disposable;
    executeCommand(command: string, ...rest: unknown[]): Thenable<unknown>;
  };
}

/** How the server process is started: `command args...`, speaking LSP on stdin/stdout. */
export interface ServerCommand {
  command: string;
  args: string[];
}

/** The subset of vscode-languageclient's LanguageClient the controller uses. */
export interface Client {
  start(): Promise<void>;
  isRunning(): boolean;
  /** Stops the server (shutdown, exit, then kill after the timeout) and frees the client. */
  dispose(timeout?: number): Promise<void>;
}

/** Where the server's stderr and the LSP trace go. */
export interface Output {
  show(preserveFocus?: boolean): void;
}

export type ClientFactory = (server: ServerCommand) => Client;

export const RESTART_COMMAND = "automat.restartServer";

/** How long a stopping server gets to answer shutdown before it is killed. */
const STOP_TIMEOUT_MS = 2000;

export class Controller {
  private client: Client | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** The last error message's handling (the user's click); tests await it. */
  notice: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: EditorApi,
    private readonly host: () => Host,
    private readonly createClient: ClientFactory,
    private readonly output?: Output,
  ) {}

  /** Registers the restart command and the settings watcher, then starts the server. */
  activate(subscriptions: Disposable[]): Promise<void> {
    subscriptions.push(
      this.api.commands.registerCommand(RESTART_COMMAND, () => this.restart()),
      this.api.workspace.onDidChangeConfiguration((e) => {
        // automat.trace.server is applied by the client itself, live.
        if (e.affectsConfiguration("automat.server")) void this.restart();
      }),
      { dispose: () => void this.stop() },
    );
    return this.restart();
  }

  /** Whether a client is running (or starting). */
  get running(): boolean {
    return this.client !== undefined;
  }

  /** Stops the running server, if any, and starts one from the current settings. Calls are serialized. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopClient();
      await this.startClient();
    });
  }

  /** Stops the server. */
  stop(): Promise<void> {
    return this.enqueue(() => this.stopClient());
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async startClient(): Promise<void> {
    const config = this.api.workspace.getConfiguration("automat");
    const found = discover(
      readSettings((key) => config.get(key)),
      this.host(),
    );
    if (!found.ok) {
      this.tell(found.message, [OPEN_SETTINGS]);
      return;
    }
    const server = { command: found.command, args: found.args };
    const client = this.createClient(server);
    try {
      await client.start();
      // vscode-languageclient 9 resolves start() when the process dies
      // during the handshake (the close handler drops its start promise).
      if (!client.isRunning()) throw new Error("the process ended during the LSP handshake");
    } catch (err) {
      await client.dispose(STOP_TIMEOUT_MS).catch(() => undefined);
      this.tell(startFailedMessage(server.command, server.args, err), [SHOW_OUTPUT, OPEN_SETTINGS]);
      return;
    }
    this.client = client;
  }

  private async stopClient(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    if (old) await old.dispose(STOP_TIMEOUT_MS).catch(() => undefined);
  }

  /** Shows an error without waiting for the user: a pending notification must not hold up a restart. */
  private tell(message: string, buttons: string[]): void {
    this.notice = Promise.resolve(this.api.window.showErrorMessage(message, ...buttons)).then(async (choice) => {
      if (choice === OPEN_SETTINGS) {
        await this.api.commands.executeCommand("workbench.action.openSettings", SETTINGS_QUERY);
      } else if (choice === SHOW_OUTPUT) {
        this.output?.show(true);
      }
    });
  }
}
