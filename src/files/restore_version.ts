/**
 * @module restore_version
 * Putting a kept version back at its path (`folder restore`): copied — a
 * kept link as the link, never what it points to — into a temporary file
 * beside the path, given the time now and synced, the file at the path kept
 * in turn under `.mycel/versions/`, then renamed into place and the folder
 * synced. A step this user may not do (read the kept version, write into
 * the file's folder, keep the file it replaces) is named, and nothing is
 * left behind: the runtime's permission error, which the command line
 * would blame on the mycel home, never gets out — nor any other error of
 * the file system (the folder's real path not found, a folder on the way
 * this user may not look into, a full disk), which it would call internal.
 */

import { join, relative } from "node:path";
import { type ErrorCode, ExitCode, isMycelError, MycelError } from "../errors.ts";
import { tempNameFor, VERSIONS_DIR } from "./folder_layout.ts";
import { assertMarker } from "./folder_marker.ts";
import { keepVersion } from "./keep_version.ts";
import { baseName, parentOf } from "./paths.ts";
import { assertRealDir, ensureRealParents, syncDir } from "./safe_paths.ts";
import { type KeptVersion, whyNot } from "./versions.ts";
import { writeReason } from "./write_problem.ts";
import { loadOpenNoFollow, openInRealFolder } from "../open_no_follow.ts";

const ACTION = "restore file";

/**
 * Put `kept` back at `rel` in the folder at `root`, modified `now`:
 * putting a version back is the user's latest change, and it must win
 * over an edit elsewhere it did not see. Returns where the file it replaced
 * was kept (folder-relative), or null when there was none.
 * @throws MycelError `folder_unreachable` (its real path can't be found),
 * `folder_stopped`, `bad_folder` (a folder in its place),
 * `version_unreadable`, `not_written`, `unsafe_path` (a folder on the way a
 * link or no folder, or swapped for one meanwhile)
 */
export async function restoreVersion(
  root: string,
  rel: string,
  kept: KeptVersion,
  now: number,
): Promise<string | null> {
  let replacedKeptAs: string | null = null;
  // Every check below is made on the real path: a link on the way there
  // (the folder moved and linked back, say) must not be written through.
  const realRoot = await named(
    "folder_unreachable",
    (e) => `the folder's real path can't be found: ${whyNot(e)}`,
    {
      value: root,
      hint: "Check that the folder is still there and this user can reach it " +
        "(a folder on the way removed, moved or private); nothing was changed.",
    },
    () => Deno.realPath(root),
  );
  const notWritten = { value: rel, hint: "Let this user write there; nothing was changed." };
  await named("not_written", (e) => writeReason(realRoot, rel, e), notWritten, () => {
    // A stopped folder (no marker: disk not mounted?) is written to by nothing.
    assertMarker(realRoot, ACTION);
    // A folder on the way this user may not look into is named, not "permission denied".
    try {
      ensureRealParents(realRoot, parentOf(rel));
    } catch (e) {
      // Said of the file restored, with the name in the folder ("a parent is
      // not a folder (/abs/…)" named neither).
      if (!isMycelError(e, "unsafe_path")) throw e;
      const at = relative(realRoot, String(e.value ?? ""));
      const what = /symlink/.test(e.reason) ? "is a symbolic link" : "is not a folder";
      throw new MycelError("unsafe_path", ACTION, `${at || "a folder on the way"} ${what} now`, {
        value: rel,
        hint: `Move or rename ${at || "it"} first, then restore again; nothing was changed.`,
        exit: ExitCode.failure,
      });
    }
    return Promise.resolve();
  });
  const inPlace = await Deno.lstat(join(realRoot, rel)).catch(() => undefined);
  if (inPlace?.isDirectory) {
    throw new MycelError("bad_folder", ACTION, "a folder is in its place", {
      value: rel,
      hint: "Move or rename that folder first; nothing was changed.",
      exit: ExitCode.failure,
    });
  }
  const from = join(realRoot, kept.path);
  // Read first: a version this user may not read is said before anything is
  // made. Opened once, in its folder as it is now, never through a link (a
  // folder on the way swapped for a link to outside after the listing, and a
  // link put at the name, copied a file from outside into the folder, found
  // by H110's review); what is copied is read from that descriptor.
  await loadOpenNoFollow();
  using source = await named(
    "version_unreadable",
    (e) => `the kept version can't be read: ${whyNot(e)}`,
    {
      value: kept.path,
      hint: "Let this user read it (it may belong to another user), or restore it as a user " +
        "who can; nothing was changed.",
    },
    () => {
      if (kept.link) return Promise.resolve(undefined);
      const f = openInRealFolder(from);
      if (f === undefined) throw new Error("it is not a regular file in the folder now");
      return Promise.resolve(f);
    },
  );
  const dir = join(realRoot, parentOf(rel));
  const temp = join(dir, tempNameFor(baseName(rel)));
  await named("not_written", (e) => writeReason(realRoot, rel, e), notWritten, async () => {
    // A kept link comes back as the link (copying it would copy what it
    // points to, perhaps outside the folder, into the folder).
    if (kept.link) await Deno.symlink(await Deno.readLink(from), temp);
    else await copyOpened(source!, temp);
  });
  try {
    if (!kept.link) {
      // Modified now (see above: newest mtime wins; with the kept mtime, the
      // restore became the conflict copy). A new link is new already. A
      // full disk can refuse the sync: named like the copy.
      await named("not_written", (e) => writeReason(realRoot, rel, e), notWritten, async () => {
        await Deno.utime(temp, new Date(now), new Date(now));
        using f = await Deno.open(temp, { write: true });
        await f.sync();
      });
    }
    stillInPlace(dir, rel);
    if (await Deno.lstat(join(realRoot, rel)).then(() => true, () => false)) {
      replacedKeptAs = await named(
        "not_written",
        (e) => `the file it replaces can't be kept first: ${whyNot(e)}`,
        { value: VERSIONS_DIR, hint: notWritten.hint },
        () => keepVersion(realRoot, rel, "link", now),
      );
    }
    stillInPlace(dir, rel);
    await named("not_written", (e) => writeReason(realRoot, rel, e), notWritten, async () => {
      await Deno.rename(temp, join(realRoot, rel));
    });
    await syncDir(dir);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
  return replacedKeptAs;
}

/**
 * The file's folder `dir` (real, checked above) is still that folder, right
 * before the file it replaces is kept and before the rename: a folder on
 * the way swapped for a link while the version was copied (a large one
 * takes a while) would take them through the link, out of the folder —
 * the same re-check as the assembler's (safe_paths.ts says what remains).
 */
function stillInPlace(dir: string, rel: string): void {
  try {
    assertRealDir(dir, dir);
  } catch (e) {
    throw new MycelError(
      "unsafe_path",
      ACTION,
      "a folder on the way moved or became a symbolic link meanwhile",
      {
        value: rel,
        hint: "Nothing was put back; see what moved it, then restore again.",
        exit: ExitCode.failure,
        cause: e,
      },
    );
  }
}

/** Run `step`; a failure that is not already named becomes `code` with `reason(e)`. */
async function named<T>(
  code: ErrorCode,
  reason: (e: unknown) => string,
  o: { value: string; hint: string },
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof MycelError) throw e;
    throw new MycelError(code, ACTION, reason(e), { ...o, cause: e });
  }
}

/** Copy what `source` holds into a new file `to`, made with its mode (not chmodded by name after). */
async function copyOpened(source: Deno.FsFile, to: string): Promise<void> {
  const mode = (await source.stat()).mode ?? 0o644;
  using out = await Deno.open(to, { write: true, createNew: true, mode: mode & 0o777 });
  const buf = new Uint8Array(1 << 20);
  for (let n = await source.read(buf); n !== null; n = await source.read(buf)) {
    for (let off = 0; off < n;) off += await out.write(buf.subarray(off, n));
  }
}
