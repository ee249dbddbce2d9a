// When a server process ends by itself: restart it, or give up and say so.
// vscode-languageclient's default policy restarts a server that never
// started too, which turns one broken binary into a stack of notifications;
// this one leaves a failed start to the Controller's message. No `vscode`
// import: the extension adapts it to the client's ErrorHandler.

/** What to do about a server that ended. */
export interface CrashDecision {
  restart: boolean;
  /** Shown to the user when set (giving up), otherwise only logged. */
  notify?: string;
  log: string;
}

export const MAX_RESTARTS = 4;
export const RESTART_WINDOW_MS = 3 * 60 * 1000;

export class CrashPolicy {
  private crashes: number[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxRestarts = MAX_RESTARTS,
    private readonly windowMs = RESTART_WINDOW_MS,
  ) {}

  /** Decides after the connection closed; running says whether the server had finished initializing. */
  closed(running: boolean): CrashDecision {
    if (!running) {
      // The Controller reports the failed start, with what to do.
      return { restart: false, log: "The server ended before it finished starting." };
    }
    const t = this.now();
    this.crashes = this.crashes.filter((c) => t - c < this.windowMs);
    this.crashes.push(t);
    if (this.crashes.length > this.maxRestarts) {
      const minutes = Math.round(this.windowMs / 60000);
      return {
        restart: false,
        log: "The server ended too often; not restarting it.",
        notify:
          `Automat: the language server ended ${this.crashes.length} times in ${minutes} minutes, so it is not restarted again. ` +
          `Its output is in the Output panel ("Automat Language Server"); run "Automat: Restart Language Server" to try again.`,
      };
    }
    return { restart: true, log: `The server ended; restarting it (${this.crashes.length} of ${this.maxRestarts}).` };
  }
}
