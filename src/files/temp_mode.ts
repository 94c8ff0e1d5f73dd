/**
 * @module temp_mode
 * Give a temporary file being written (assemble.ts, partial_file.ts) its
 * final mode through the file itself, never through its name. The name
 * sits in a folder its owner can write for as long as the chunks take to
 * come (minutes for a large file): a chmod by name followed a link put
 * there meanwhile, and a root-run round (system units, `sudo mycel sync
 * now`) in a user's folder then set mode 0644 — or the replaced file's,
 * up to 0777 — on whatever file the user's link named, /etc/shadow
 * included (found by a review). So the name is opened again without
 * following a link (and without blocking on a FIFO), checked to be the
 * inode written, and chmodded through that descriptor (fchmod: node:fs,
 * since Deno has none, loaded only here). Anything else at the name stops
 * the write as `unsafe_path`: the caller deletes the name and places nothing.
 * A file made with its final mode already (a new path's: folder_apply_temps.ts,
 * assemble.ts) needs no change: only the check that its name is still it.
 */

import { MycelError } from "../errors.ts";

/** node:fs once loaded: one file of a fetch of thousands needs it each. */
let nodeFs: typeof import("node:fs") | undefined;

/** The temporary file `path` no longer names the file being written. */
function swapped(path: string): MycelError {
  return new MycelError(
    "unsafe_path",
    "write into folder",
    "its temporary file was replaced while it was written",
    {
      value: path,
      hint: "mycel never changes a file through a link; the file is fetched again next round.",
    },
  );
}

/**
 * Set `mode` on `file`, open for writing as `path`, through a descriptor of
 * `path` opened without following links; throws `unsafe_path` when `path`
 * is not that file any more (a link, another file, a FIFO swapped in).
 */
export async function setTempMode(file: Deno.FsFile, path: string, mode: number): Promise<void> {
  // Made with that mode already (a new file's usual case: its creator knew
  // it): nothing to change; only whether the name is still this file, as
  // below, by a look that follows no link (two calls instead of five).
  const ours = file.statSync();
  if (((ours.mode ?? -1) & 0o7777) === mode) {
    let at: Deno.FileInfo;
    try {
      at = Deno.lstatSync(path);
    } catch {
      throw swapped(path); // gone
    }
    if (!at.isFile || at.ino !== ours.ino || at.dev !== ours.dev) throw swapped(path);
    return;
  }
  const fs = nodeFs ??= await import("node:fs");
  const c = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, c.O_RDONLY | c.O_NOFOLLOW | c.O_NONBLOCK);
  } catch {
    throw swapped(path); // a link (ELOOP), or gone
  }
  try {
    const at = fs.fstatSync(fd);
    if (!at.isFile() || at.ino !== ours.ino || at.dev !== ours.dev) throw swapped(path);
    fs.fchmodSync(fd, mode);
  } finally {
    fs.closeSync(fd);
  }
}
