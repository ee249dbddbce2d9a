// Finding and describing the `rulec` binary that serves the language.
// This module does not import `vscode`: its inputs (settings, PATH, the
// file system) are passed in, so the unit tests exercise it directly.

import * as path from "path";

/** The settings the extension reads, as plain values. */
export interface Settings {
  serverPath: string; // automat.server.path; "" means look on PATH
  serverArgs: string[]; // automat.server.args
}

/** What discovery needs from the machine. */
export interface Host {
  platform: string; // process.platform
  env: Record<string, string | undefined>;
  isExecutable(file: string): boolean;
}

/** The command that starts the server, or why there is none. */
export type Discovery =
  | { ok: true; command: string; args: string[]; source: "setting" | "path" }
  | { ok: false; message: string };

/** Reads the extension's settings from a configuration getter, with defaults for missing or mistyped values. */
export function readSettings(get: (key: string) => unknown): Settings {
  const p = get("server.path");
  const a = get("server.args");
  return {
    serverPath: typeof p === "string" ? p.trim() : "",
    serverArgs: Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : [],
  };
}

/** Expands a leading "~" and ${env:NAME} references in a configured path. */
export function expandPath(p: string, env: Record<string, string | undefined>): string {
  let out = p.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? "");
  const home = env.HOME ?? env.USERPROFILE;
  if (home && (out === "~" || out.startsWith("~/") || out.startsWith("~\\"))) {
    out = path.join(home, out.slice(1));
  }
  return out;
}

/** Looks a program up on PATH the way the shell would (PATHEXT on Windows). */
export function findOnPath(name: string, host: Host): string | undefined {
  const win = host.platform === "win32";
  const pathVar = host.env.PATH ?? host.env.Path ?? "";
  const sep = win ? ";" : ":";
  const exts = win ? (host.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean) : [""];
  for (const dir of pathVar.split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = (win ? path.win32 : path.posix).join(dir, name + ext.toLowerCase());
      if (host.isExecutable(candidate)) return candidate;
      if (win) {
        const upper = path.win32.join(dir, name + ext);
        if (host.isExecutable(upper)) return upper;
      }
    }
  }
  return undefined;
}

/** Decides how to start `rulec lsp`: the configured binary wins; otherwise `rulec` on PATH. */
export function discover(settings: Settings, host: Host): Discovery {
  const args = ["lsp", ...settings.serverArgs];
  if (settings.serverPath !== "") {
    const configured = expandPath(settings.serverPath, host.env);
    if (!host.isExecutable(configured)) {
      return {
        ok: false,
        message: `Automat: the rulec binary set in "automat.server.path" (${configured}) does not exist or is not executable. Fix the setting or clear it to use rulec from PATH.`,
      };
    }
    return { ok: true, command: configured, args, source: "setting" };
  }
  const found = findOnPath("rulec", host);
  if (!found) {
    return {
      ok: false,
      message:
        'Automat: rulec was not found on PATH, so diagnostics, completion and formatting are off. Install it (go install github.com/automat-rules/automat/cmd/rulec@latest) or set "automat.server.path".',
    };
  }
  return { ok: true, command: found, args, source: "path" };
}
