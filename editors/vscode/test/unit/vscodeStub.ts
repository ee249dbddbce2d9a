// A stub of the `vscode` module, good enough for the extension's own code
// and for the real vscode-languageclient to start and stop a server: the
// parts the tests look at are recorded, everything else is a no-op proxy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("module");

export interface EditorState {
  /** Values of the "automat" configuration section, by key ("server.path"). */
  config: Record<string, unknown>;
  /** Error messages shown, with their buttons. */
  errors: { message: string; buttons: string[] }[];
  /** The button the user "clicks" on the next error message. */
  answer?: string;
  executed: unknown[][];
  commands: Map<string, (...args: unknown[]) => unknown>;
  configListeners: ((e: { affectsConfiguration(s: string): boolean }) => unknown)[];
  outputShown: number;
  workspaceFolders: { uri: { scheme: string; fsPath: string } }[] | undefined;
}

export function newState(): EditorState {
  return {
    config: {},
    errors: [],
    executed: [],
    commands: new Map(),
    configListeners: [],
    outputShown: 0,
    workspaceFolders: undefined,
  };
}

const disposable = { dispose() {} };

/** A callable, constructible object whose every property is another such object. */
function noop(): unknown {
  const fn = function () {};
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === "then") return undefined; // not a promise
      if (prop === "dispose") return () => undefined;
      if (prop === Symbol.toPrimitive) return () => 0;
      return noop();
    },
    apply: () => noop(),
    construct: () => noop() as object,
  });
}

function withFallback<T extends object>(explicit: T): T {
  return new Proxy(explicit, {
    get(t, prop) {
      if (prop in t) return (t as Record<string | symbol, unknown>)[prop];
      if (prop === "then") return undefined;
      return noop();
    },
  });
}

export function vscodeStub(state: EditorState): unknown {
  return withFallback({
    version: "1.90.0",
    workspace: withFallback({
      getConfiguration: (section?: string) =>
        withFallback({
          get: (key: string, dflt?: unknown) => (section === "automat" ? (state.config[key] ?? dflt) : dflt),
        }),
      get workspaceFolders() {
        return state.workspaceFolders;
      },
      onDidChangeConfiguration: (l: (e: { affectsConfiguration(s: string): boolean }) => unknown) => {
        state.configListeners.push(l);
        return disposable;
      },
      createFileSystemWatcher: () => withFallback({ dispose() {} }),
      textDocuments: [],
    }),
    window: withFallback({
      showErrorMessage: async (message: string, ...buttons: unknown[]) => {
        state.errors.push({ message, buttons: buttons.map(String) });
        return state.answer;
      },
      createOutputChannel: () =>
        withFallback({
          show: () => {
            state.outputShown++;
          },
          append() {},
          appendLine() {},
          dispose() {},
        }),
    }),
    commands: withFallback({
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        state.commands.set(id, fn);
        return disposable;
      },
      executeCommand: async (...args: unknown[]) => {
        state.executed.push(args);
      },
    }),
  });
}

/** Makes `require("vscode")` return the stub from now on. */
export function installVscodeStub(state: EditorState): void {
  const stub = vscodeStub(state);
  const realLoad = Module._load;
  Module._load = function (request: string, ...rest: unknown[]) {
    if (request === "vscode") return stub;
    return realLoad.call(this, request, ...rest);
  };
}

/** Tells the configuration listeners that the given sections changed. */
export async function changeConfig(state: EditorState, ...sections: string[]): Promise<void> {
  const e = { affectsConfiguration: (s: string) => sections.some((x) => x === s || x.startsWith(s + ".")) };
  await Promise.all(state.configListeners.map((l) => l(e)));
}
