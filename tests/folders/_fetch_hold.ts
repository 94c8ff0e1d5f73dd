/**
 * @module _fetch_hold
 * Catching a fetch in the act: a `sync now` held to a quarter of the CPU
 * until it writes a temporary file, then stopped there while a test edits
 * the file it fetches (local_edit_test, edit_during_fetch_test).
 */

import { TEMP_PREFIX } from "../../src/files/folder_layout.ts";
import { sleep } from "../helpers/process.ts";

/** Whether a file being assembled (`.mycel-tmp-*`) is in the folder at `root`. */
export function fetching(root: string): boolean {
  for (const e of Deno.readDirSync(root)) if (e.name.startsWith(TEMP_PREFIX)) return true;
  return false;
}

/**
 * Hold process `pid` to a quarter of the CPU until it has started writing a
 * file into `root`; return with the process stopped (SIGSTOP) while it is,
 * or false when it ended (or the deadline passed) first.
 */
export async function stopWhileFetching(root: string, pid: number): Promise<boolean> {
  const deadline = Date.now() + 90_000;
  try {
    while (Date.now() < deadline) {
      Deno.kill(pid, "SIGSTOP");
      if (fetching(root)) return true;
      await sleep(30);
      Deno.kill(pid, "SIGCONT");
      await sleep(10);
    }
    Deno.kill(pid, "SIGCONT");
    return false;
  } catch {
    return false; // the process ended
  }
}

export async function sameBytes(path: string, want: Uint8Array): Promise<boolean> {
  const got = await Deno.readFile(path).catch(() => undefined);
  return got !== undefined && got.length === want.length && got.every((x, i) => x === want[i]);
}
