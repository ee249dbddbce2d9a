// The real machine behind discovery's Host: the process environment and
// the file system.

import * as fs from "fs";
import { FileKind, Host } from "./discovery";

/** Classifies a path the way starting it as a program cares about. */
export function statFile(file: string, platform: string = process.platform): FileKind {
  let st: fs.Stats;
  try {
    st = fs.statSync(file); // follows symlinks, as exec does
  } catch {
    return "missing";
  }
  if (st.isDirectory()) return "directory";
  if (!st.isFile()) return "file";
  if (platform === "win32") return "executable"; // Windows has no execute bit; PATHEXT decides
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return "executable";
  } catch {
    return "file";
  }
}

/** A Host for this process; workspaceFolder is the first folder open in the editor, if any. */
export function nodeHost(workspaceFolder?: string): Host {
  return { platform: process.platform, env: process.env, workspaceFolder, stat: (f) => statFile(f) };
}
