// Finding the `rulec` binary that serves the language, and the messages
// shown when it cannot be found. This module does not import `vscode`:
// settings, the environment and the file system come in as plain values
// and a Host, so the unit tests run it without an editor.

import * as path from "path";

/** The extension's settings, as plain values. */
export interface Settings {
  /** automat.server.path; "" means: look for `rulec` on PATH. */
  serverPath: string;
  /** automat.server.args, passed after `lsp`. */
  serverArgs: string[];
}

/** What a path is on disk, as far as starting it goes. */
export type FileKind = "executable" | "file" | "directory" | "missing";

/** What discovery needs from the machine. */
export interface Host {
  platform: string; // process.platform
  env: Record<string, string | undefined>;
  /** The first workspace folder, against which relative settings resolve. */
  workspaceFolder?: string;
  stat(file: string): FileKind;
}

/** Why there is no server to start. */
export type Problem = "not-on-path" | "setting-missing" | "setting-directory" | "setting-not-executable";

/** The command that starts the server, or why there is none. */
export type Discovery =
  | { ok: true; command: string; args: string[]; source: "setting" | "path" }
  | { ok: false; problem: Problem; path?: string; message: string };

/** The buttons offered with an error message. */
export const OPEN_SETTINGS = "Open Settings";
export const SHOW_OUTPUT = "Show Output";

/** The settings the "Open Settings" button shows. */
export const SETTINGS_QUERY = "automat.server";

/** How a user gets rulec; named in the messages. */
export const INSTALL_HINT = "go install github.com/automat-rules/automat/cmd/rulec@latest";

/**
 * Reads the settings through a configuration getter (section "automat"),
 * falling back to the defaults for missing or mistyped values.
 */
export function readSettings(get: (key: string) => unknown): Settings {
  const p = get("server.path");
  const a = get("server.args");
  return {
    serverPath: typeof p === "string" ? p.trim() : "",
    serverArgs: Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : [],
  };
}

/** Expands a leading "~" and ${env:NAME} references, as VS Code users expect in a path setting. */
export function expandPath(p: string, env: Record<string, string | undefined>): string {
  let out = p.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
  const home = env.HOME ?? env.USERPROFILE;
  if (home && (out === "~" || out.startsWith("~/") || out.startsWith("~\\"))) {
    out = home + out.slice(1);
  }
  return out;
}

function pathApi(host: Host): path.PlatformPath {
  return host.platform === "win32" ? path.win32 : path.posix;
}

/** The names to try for a program: on Windows with each PATHEXT extension. */
function candidates(file: string, host: Host): string[] {
  if (host.platform !== "win32" || path.win32.extname(file) !== "") return [file];
  const exts = (host.env.PATHEXT ?? ".COM;.EXE;.BAT;.CMD").split(";").filter(Boolean);
  return exts.map((ext) => file + ext.toLowerCase());
}

/** Looks a program up on PATH in order, as the shell does (PATHEXT and ";" on Windows). */
export function findOnPath(name: string, host: Host): string | undefined {
  const win = host.platform === "win32";
  const pathVar = host.env.PATH ?? host.env.Path ?? "";
  for (const dir of pathVar.split(win ? ";" : ":")) {
    if (!dir) continue; // an empty entry is not the current directory here
    for (const file of candidates(pathApi(host).join(dir, name), host)) {
      if (host.stat(file) === "executable") return file;
    }
  }
  return undefined;
}

/**
 * Decides how to start `rulec lsp`. A configured path wins, and is an
 * error when it is wrong (no silent fallback to another rulec). A bare
 * name in the setting ("rulec-dev") is looked up on PATH; a relative path
 * ("./bin/rulec") is taken from the first workspace folder.
 */
export function discover(settings: Settings, host: Host): Discovery {
  const args = ["lsp", ...settings.serverArgs];
  if (settings.serverPath === "") {
    const found = findOnPath("rulec", host);
    if (found === undefined) return failure("not-on-path");
    return { ok: true, command: found, args, source: "path" };
  }
  const p = pathApi(host);
  const configured = expandPath(settings.serverPath, host.env);
  if (!configured.includes("/") && !configured.includes(p.sep)) {
    const found = findOnPath(configured, host);
    if (found === undefined) return failure("setting-missing", configured);
    return { ok: true, command: found, args, source: "setting" };
  }
  const abs = p.isAbsolute(configured) ? configured : p.resolve(host.workspaceFolder ?? host.env.HOME ?? p.sep, configured);
  let kind: FileKind = "missing";
  for (const file of candidates(abs, host)) {
    kind = host.stat(file);
    if (kind === "executable") return { ok: true, command: file, args, source: "setting" };
    if (kind !== "missing") break;
  }
  const problem: Problem = kind === "directory" ? "setting-directory" : kind === "file" ? "setting-not-executable" : "setting-missing";
  return failure(problem, abs);
}

function failure(problem: Problem, file?: string): Discovery {
  return { ok: false, problem, path: file, message: problemMessage(problem, file) };
}

/** The message for a rulec that cannot be started; each says what to do. */
export function problemMessage(problem: Problem, file = ""): string {
  const off = "so diagnostics, completion and formatting are off (highlighting still works)";
  switch (problem) {
    case "not-on-path":
      return `Automat: rulec was not found on PATH, ${off}. Install it with "${INSTALL_HINT}", or set "automat.server.path" to the rulec binary.`;
    case "setting-missing":
      return `Automat: "automat.server.path" is ${file}, which does not exist, ${off}. Fix the setting, or clear it to use rulec from PATH.`;
    case "setting-directory":
      return `Automat: "automat.server.path" is ${file}, which is a folder, ${off}. Set it to the rulec binary inside, or clear it to use rulec from PATH.`;
    case "setting-not-executable":
      return `Automat: "automat.server.path" is ${file}, which is not executable, ${off}. Make it executable (chmod +x), or clear the setting to use rulec from PATH.`;
  }
}

/** The message for a server that was found but failed to start or to initialize. */
export function startFailedMessage(command: string, args: string[], error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  const cmd = [command, ...args].join(" ");
  return `Automat: the language server "${cmd}" failed to start: ${reason.replace(/\.$/, "")}. Check that this rulec has the lsp command (rulec lsp -h) and that "automat.server.args" are valid; the server's own output is in the Output panel.`;
}
