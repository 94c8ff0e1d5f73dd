/**
 * @module kept_same
 * Whether a kept version (versions.ts) is what the file at its path holds
 * now: the same kind, bytes and exec bit, or the same link target. Then
 * `folder restore` has nothing to put back — restoring would keep one more
 * identical copy under `.mycel/versions` and publish a change nobody made
 * (found by a walkthrough, issue 13). Read-only; links are never followed.
 */

import { join } from "node:path";
import type { KeptVersion } from "./versions.ts";

const BLOCK = 64 * 1024;

/**
 * True when the file at `rel` in the folder at `root` holds what `kept`
 * holds. Anything that can't be read says false: the restore then goes on
 * and names what stops it.
 */
export async function keptIsCurrent(
  root: string,
  rel: string,
  kept: KeptVersion,
): Promise<boolean> {
  const path = join(root, rel);
  const from = join(root, kept.path);
  try {
    const [now, was] = await Promise.all([Deno.lstat(path), Deno.lstat(from)]);
    if (kept.link) {
      return now.isSymlink && was.isSymlink &&
        await Deno.readLink(path) === await Deno.readLink(from);
    }
    if (!now.isFile || !was.isFile || now.size !== was.size) return false;
    // The exec bit is synced too: restoring would change it.
    if (((now.mode ?? 0) & 0o111) !== ((was.mode ?? 0) & 0o111)) return false;
    return await sameBytes(path, from);
  } catch {
    return false;
  }
}

/** Both files' bytes, compared a block at a time (a kept version may be large). */
export async function sameBytes(a: string, b: string): Promise<boolean> {
  using fa = await Deno.open(a, { read: true });
  using fb = await Deno.open(b, { read: true });
  return await sameFileBytes(fa, fb);
}

/** Whether the open files `fa` and `fb` hold the same bytes from where each stands to its end. */
export async function sameFileBytes(fa: Deno.FsFile, fb: Deno.FsFile): Promise<boolean> {
  const ba = new Uint8Array(BLOCK), bb = new Uint8Array(BLOCK);
  for (;;) {
    const na = await readFull(fa, ba);
    const nb = await readFull(fb, bb);
    if (na !== nb) return false;
    for (let i = 0; i < na; i++) if (ba[i] !== bb[i]) return false;
    if (na < BLOCK) return true;
  }
}

/** Fill `buf` from `f` as far as the file goes; the bytes read. */
async function readFull(f: Deno.FsFile, buf: Uint8Array): Promise<number> {
  let n = 0;
  while (n < buf.length) {
    const got = await f.read(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return n;
}
