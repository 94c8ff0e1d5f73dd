/**
 * @module foreign_ignore
 * A note for a folder shared or joined with another sync tool's ignore file
 * at its root (Syncthing's `.stignore`): mycel reads only `.mycelignore` and
 * `.mycel/ignore`, so what that file left out syncs now, silently — the
 * build output and editor swap files a user moving from Syncthing had kept
 * off their other devices. Said by `folder add` and `join` before their
 * scan, on standard error. Nothing is read from the file: its syntax is
 * Syncthing's own (`//` comments, `#include`, `(?i)`), not gitignore's.
 */

import { join } from "node:path";

/** Ignore files of other sync tools, and the tool. */
const FOREIGN: readonly (readonly [string, string])[] = [[".stignore", "Syncthing"]];

function isFile(path: string): boolean {
  try {
    return Deno.lstatSync(path).isFile;
  } catch {
    return false;
  }
}

/** The note's lines for the folder at `root` (none without such a file, or with a `.mycelignore`). */
export function foreignIgnoreLines(root: string): string[] {
  if (isFile(join(root, ".mycelignore"))) return [];
  const out: string[] = [];
  for (const [name, tool] of FOREIGN) {
    if (!isFile(join(root, name))) continue;
    out.push(
      `note: ${name} (${tool}'s ignore rules) is not read by mycel: the files it leaves out sync too`,
      "  to leave them out, write their patterns to .mycelignore (gitignore syntax, shared with " +
        "every device) or .mycel/ignore (this device only)",
    );
  }
  return out;
}
