/**
 * @module kept_bytes
 * How many bytes the versions kept under a folder's `.mycel/versions/`
 * take: said beside a file a full disk could not take, where they are
 * often what fills it (a folder deleted elsewhere is kept here whole for
 * 30 days), and nothing else said so.
 */

import { join } from "node:path";
import { VERSIONS_DIR } from "./folder_layout.ts";

/**
 * Bytes of the regular files under `root`'s `.mycel/versions/` (links not
 * followed; what can't be listed is not counted). Asked only when a round
 * found the disk full: it lists every kept version.
 */
export function keptBytes(root: string): number {
  let total = 0;
  const walk = (dir: string) => {
    let names: Deno.DirEntry[];
    try {
      names = [...Deno.readDirSync(dir)];
    } catch {
      return; // gone, or not ours to list
    }
    for (const e of names) {
      const abs = join(dir, e.name);
      if (e.isDirectory) walk(abs);
      else if (e.isFile) {
        try {
          total += Deno.lstatSync(abs).size;
        } catch {
          // removed meanwhile
        }
      }
    }
  };
  walk(join(root, VERSIONS_DIR));
  return total;
}
