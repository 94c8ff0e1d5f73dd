/**
 * @module take_mode
 * Give the file at a path another version's exec bit in place, when the
 * file is still exactly what the index says: a version elsewhere with the
 * same content and only another exec bit (a `chmod +x`) needs no new file.
 * Before, it was written anew and the file it replaced kept under
 * `.mycel/versions` — one more identical copy a chmod (a three-device
 * walkthrough, issue 13). Like disk_state.ts `takeMtime`: the index keeps
 * the stat the scan saw, so the next scan reads the file once and an edit
 * landing between this check and the chmod is found, not lost. The mode is
 * set through the opened file (no link followed, checked to be the inode
 * the index names); node:fs, since Deno has no fchmod, loaded only here.
 */

import { onDisk, takeMtime } from "./disk_state.ts";
import type { StatKey } from "./scan_file.ts";

/**
 * What happened: `done` (the bit, and the mtime when it differed, set),
 * `changed` (the file is not what `expected` says: left alone), or
 * `refused` (it is, but this user may not chmod it: another user's file).
 * `modes` false (FAT, exFAT: fs_modes.ts): the disk keeps no exec bit,
 * so only the mtime is set.
 */
export async function takeExec(
  abs: string,
  expected: StatKey,
  exec: boolean,
  mtimeMs: number,
  modes: boolean,
): Promise<"done" | "changed" | "refused"> {
  const now = onDisk(abs);
  if (now === null || now.kind !== "file" || !sameAs(now, expected)) return "changed";
  let after = expected;
  if (modes) {
    const fs = await import("node:fs");
    const c = fs.constants;
    let fd: number;
    try {
      // No link followed; a FIFO swapped in does not block the open.
      fd = fs.openSync(abs, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK);
    } catch (e) {
      return (e as { code?: string }).code === "EACCES" ? "refused" : "changed";
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile() || st.ino !== now.ino) return "changed";
      const rw = st.mode & 0o666;
      try {
        fs.fchmodSync(fd, exec ? rw | ((rw & 0o444) >> 2) : rw);
      } catch {
        return "refused"; // not this user's file (EPERM), a read-only disk
      }
      // The chmod moved the ctime: the mtime check below must expect it.
      after = { ...expected, ctimeMs: onDisk(abs)?.ctimeMs ?? 0, exec };
    } finally {
      fs.closeSync(fd);
    }
  }
  // Best effort, as for an adopted touch: the bit is what was asked.
  if (now.mtimeMs !== mtimeMs) await takeMtime(abs, after, mtimeMs);
  return "done";
}

function sameAs(now: StatKey, expected: StatKey): boolean {
  return now.size === expected.size && now.mtimeMs === expected.mtimeMs &&
    now.ino === expected.ino && now.ctimeMs === expected.ctimeMs;
}
