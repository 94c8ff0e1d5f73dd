/**
 * @module probe_file
 * A file made in a folder only to see what its file system does with it
 * (fs_modes.ts, fs_names.ts): a `.mycel-tmp-` name (internal; swept if a
 * crash leaves it), mode 0600, deleted right after.
 */

import { join } from "node:path";
import { TEMP_PREFIX } from "./folder_layout.ts";

/**
 * Make a probe file named `.mycel-tmp-<kind>-<random>` in `root`, run
 * `look` with its name, delete it; undefined when it can't be made (a
 * read-only or full disk, a missing folder).
 */
export function withProbeFile<T>(
  root: string,
  kind: string,
  look: (name: string) => T,
): T | undefined {
  const tag = crypto.getRandomValues(new Uint8Array(6)).toHex();
  const name = `${TEMP_PREFIX}${kind}-${tag}`;
  try {
    Deno.openSync(join(root, name), { write: true, createNew: true, mode: 0o600 }).close();
  } catch {
    return undefined;
  }
  try {
    return look(name);
  } finally {
    try {
      Deno.removeSync(join(root, name));
    } catch {
      // swept later with the other temporary files
    }
  }
}
