/**
 * @module scan
 * `scanFolder`: walk a synced folder and report what changed since the
 * index — new and changed files with their chunk lists, symlinks with their
 * target text, deleted paths — plus what could not sync and why.
 *
 * Safety rules:
 * - No marker (`.mycel-folder`) at the start or at the end of the walk: the
 *   scan throws `folder_stopped` and reports nothing, so an unmounted disk
 *   never reads as "everything was deleted".
 * - A path is reported deleted only when it is in the index, was not seen,
 *   is not ignored now, and no folder above it failed to list.
 * - A file held aside by a write or a deletion under way (`.mycel-tmp-hold-*`,
 *   `.mycel-tmp-drop-*` beside its name: another process is in the middle of
 *   its swap, or died there) is not deleted: its name is absent only until
 *   the swap or the stale-temp sweep puts a file back.
 * - More than half of the indexed paths deleted: `massDelete` is set so the
 *   caller asks before acting.
 * - Nothing is followed: symlinks (to files or folders, inside or out) are
 *   recorded as links; special files (FIFOs, sockets, devices) are skipped
 *   with a note and never opened.
 * - Files whose (kind, size, mtime, inode, ctime, exec bit) match the index
 *   are not read (on a file system without permission bits, FAT or exFAT,
 *   the exec bit is not compared, and a changed file keeps its version's:
 *   `execOf`). Changed files are streamed (scan_file.ts), their chunk
 *   ids computed in a worker thread when there is much to hash
 *   (scan_reader.ts). Deno gives
 *   mtime in ms but ctime in whole seconds: a same-size rewrite that also
 *   restores the mtime within the second of the previous change leaves the
 *   stat whole (git's "racy clean" case), so a row whose stat was taken
 *   within RACY_MS of the change (`racy`, scan_file.ts) is read again
 *   whatever its stat, and rows are trusted only once that has passed.
 * Folder listing, lstat and reading files up to 1 MiB are synchronous
 * (several times faster for large trees — 20,000 small files are read in
 * about 1.5 s instead of 11 — and a scan runs in a short-lived command);
 * larger files are read asynchronously.
 * Which folders are apart (left out, never called deleted) is apart_folder.ts.
 */

import { join } from "node:path";
import { ContentChunker } from "./content_chunker.ts";
import type { FileIndex } from "./file_index.ts";
import { apartFolder } from "./apart_folder.ts";
import { isHeldName, isInternalPath } from "./folder_layout.ts";
import { assertMarker } from "./folder_marker.ts";
import { loadIgnoreRules } from "./ignore_rules.ts";
import { findCaseCollisions } from "./path_portability.ts";
import { relativePathProblem } from "./paths.ts";
import { ScanReader } from "./scan_reader.ts";
import { ScanStop } from "./scan_stop.ts";
import { racyStat, sameStat, statKey, whyUnreadable } from "./scan_file.ts";
import { specialKind } from "./disk_state.ts";
import type {
  ScannedFile,
  ScannedSymlink,
  ScanOptions,
  ScanResult,
  ScanStats,
  SkippedPath,
} from "./scan_types.ts";
import { symlinkEscapes, symlinkTargetProblem } from "../log/symlink_target.ts";

/**
 * Scan the folder at `root` against `index` (see the module comment).
 * @throws MycelError `folder_stopped` when the marker is missing,
 * `bad_ignore_file` when an ignore file can't be used, `sync_interrupted`
 * when `options.signal` fired
 */
export async function scanFolder(
  root: string,
  index: FileIndex,
  options: ScanOptions,
): Promise<ScanResult> {
  assertMarker(root, "scan folder");
  const rules = options.ignore ?? await loadIgnoreRules(root);
  let current = "";
  const sink = options.onChunk;
  const chunker = await ContentChunker.create(
    options.params,
    options.seed,
    sink && ((ref, bytes, offset) => sink(current, ref, bytes, offset)),
  );
  const stats: ScanStats = {
    dirs: 0,
    present: 0,
    unchanged: 0,
    hashedFiles: 0,
    hashedBytes: 0,
    ignored: 0,
    ignoredKept: 0,
  };
  const changed: (ScannedFile | ScannedSymlink)[] = [];
  const skipped: SkippedPath[] = [];
  const present = new Set<string>();
  const unlisted: string[] = []; // folders that could not be listed: nothing below is "deleted"
  const held = new Set<string>(); // names whose file sits in a hold folder beside them
  const holds: string[] = []; // the hold folders themselves
  const renumbered: { path: string; ino: number }[] = [];
  const emptyDirs: string[] = []; // empty folders without a row
  const progress = options.onProgress;
  const stop = new ScanStop(
    root,
    options.signal,
    progress && (() => progress({ files: stats.present, bytes: stop.bytesRead })),
  );
  const reader = new ScanReader(chunker, { changed, skipped, present, stats }, options, stop);
  try {
    await walk();
    await reader.finish();
    stop.now(); // the last files' ids came in after the signal: still nothing reported
  } finally {
    reader.close(); // a live worker would keep the process up
  }

  async function walk(): Promise<void> {
    const stack = [""];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      await stop.check();
      let names: Deno.DirEntry[];
      try {
        names = [...Deno.readDirSync(dir === "" ? root : join(root, dir))];
        stats.dirs++;
      } catch (e) {
        // Gone since its parent was listed: nothing below is present. Any other
        // failure: nothing below may be called deleted.
        if (e instanceof Deno.errors.NotFound && dir !== "") continue;
        unlisted.push(dir);
        skipped.push({ path: dir, reason: `the folder can't be listed (${whyUnreadable(e)})` });
        continue;
      }
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      // A folder with a row is present as a folder, whatever it holds; an
      // empty one without is published itself (docs/folders.md "Empty
      // folders"). Not one holding only ignored names: a folder renamed on
      // another device stays here for its ignored files, and published it
      // came back there, empty.
      if (dir !== "") {
        if (index.get(dir)?.kind === "dir") present.add(dir);
        else if (names.length === 0) emptyDirs.push(dir);
      }
      const subdirs: string[] = [];
      for (const entry of names) {
        const turn = stop.check(); // undefined mostly: no await per entry
        if (turn) await turn;
        const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory && isHeldName(entry.name)) {
          noteHeld(join(root, path), dir, held);
          holds.push(path);
          continue;
        }
        if (isInternalPath(path)) continue;
        // Ignore rules first: a user silences a name that can't sync (a
        // Latin-1 name from an old archive) with an ignore entry.
        const problem = relativePathProblem(path);
        if (problem === undefined && rules.isIgnored(path, entry.isDirectory)) {
          stats.ignored++;
          continue;
        }
        if (undecodable(root, path)) {
          // Linux names are bytes; the runtime gives us U+FFFD for bytes that are
          // not UTF-8, and that spelling opens nothing: said, never called deleted.
          const reason = entry.isDirectory ? `${NOT_UTF8}, nor can anything in it` : NOT_UTF8;
          skipped.push({ path, reason });
          if (entry.isDirectory) unlisted.push(path);
          continue;
        }
        if (problem !== undefined) {
          skipped.push({ path, reason: `its name can't sync: ${problem}` });
          if (entry.isDirectory) unlisted.push(path);
          continue;
        }
        if (entry.isDirectory) {
          const apart = apartFolder(root, path, options);
          if (apart !== undefined) {
            // Never its contents, never called deleted (see ScanOptions.exclude).
            skipped.push({ path, reason: apart });
            unlisted.push(path);
            continue;
          }
          subdirs.push(path);
          continue;
        }
        const abs = join(root, path);
        let info: Deno.FileInfo;
        const seen = Date.now(); // before the lstat: a row taken too soon is read again (racy)
        try {
          info = Deno.lstatSync(abs);
        } catch {
          continue; // gone since the listing: absent
        }
        if (info.isDirectory) {
          subdirs.push(path);
          continue;
        }
        if (!info.isFile && !info.isSymlink) {
          present.add(path);
          skipped.push({ path, reason: `it is a special file (${specialKind(info)}), not synced` });
          continue;
        }
        present.add(path);
        stats.present++;
        const known = index.get(path);
        // Without permission bits on disk, an unchanged file is compared without them.
        const key = options.execOf === undefined
          ? statKey(info)
          : { ...statKey(info), exec: known?.exec ?? false };
        const kind = info.isFile ? "file" : "symlink";
        // A row whose stat was taken within a second or two of the file's
        // change can't show a same-size rewrite keeping the mtime: read again.
        const trusted = known !== undefined && known.kind === kind && known.racy !== true;
        if (trusted && sameStat(known, key)) {
          stats.unchanged++;
          continue;
        }
        // Read only for being racy: a file that still holds its row's version
        // keeps it, whatever the disk made of the version's mtime (FAT rounds it).
        const recheck = known !== undefined && known.kind === kind && !trusted &&
          sameStat(known, key);
        if (
          options.stableInodes === false && trusted && sameStat(known, { ...key, ino: known.ino })
        ) {
          // Only the made-up inode number moved (a remount): nothing to read.
          renumbered.push({ path, ino: key.ino });
          stats.unchanged++;
          continue;
        }
        if (kind === "symlink") {
          try {
            const target = Deno.readLinkSync(abs);
            const problem = symlinkTargetProblem(target);
            if (problem !== undefined) skipped.push({ path, reason: `${problem}, not synced` });
            else {changed.push({
                kind,
                path,
                ...key,
                racy: racyStat(key, seen),
                ...(recheck ? { recheck } : {}),
                target,
                escapes: symlinkEscapes(path, target),
              });}
          } catch (e) {
            skipped.push({ path, reason: `the link can't be read (${whyUnreadable(e)})` });
          }
          continue;
        }
        // A folder renamed: its files are new paths with the stat of indexed
        // ones, and reading them again took 33 s for 3.6 GB here (Syncthing
        // reads them again too).
        const same = known === undefined && options.stableInodes !== false
          ? await options.sameFile?.(path, key, info.dev)
          : undefined;
        if (same !== undefined) {
          changed.push({ kind: "file", path, ...key, racy: racyStat(key, seen), chunks: same });
          continue;
        }
        current = path;
        await reader.read(path, abs, info, seen, recheck);
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
    }
  }
  assertMarker(root, "scan folder"); // unmounted while we walked: report nothing
  // A folder's row (docs/folders.md "Empty folders") at a folder not listed
  // (one apart, one that can't be listed) is not deleted either: it is there.
  const under = (p: string) =>
    unlisted.some((d) =>
      d === "" || p.startsWith(`${d}/`) || (d === p && index.get(p)?.kind === "dir")
    );
  const deleted: string[] = [];
  const madeDirs = new Set(emptyDirs);
  for (const p of index.paths()) {
    // A file that became an empty folder: the folder's version supersedes it.
    if (present.has(p) || held.has(p) || under(p) || madeDirs.has(p)) continue;
    // A folder's row is matched as a folder: one ignored as such (`build/`)
    // was never walked, and is no more deleted than an ignored file.
    if (!rules.isIgnored(p, index.get(p)?.kind === "dir")) deleted.push(p);
    else if (stillThere(join(root, p))) stats.ignoredKept++;
  }
  changed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  emptyDirs.sort();
  return {
    changed,
    deleted,
    emptyDirs,
    skipped,
    caseCollisions: findCaseCollisions(present),
    massDelete: index.size > 0 && deleted.length * 2 > index.size,
    holds,
    renumbered,
    stats,
  };
}

/** True when something is at `abs` (not followed): an ignored path's file not deleted since. */
function stillThere(abs: string): boolean {
  try {
    Deno.lstatSync(abs);
    return true;
  } catch {
    return false;
  }
}

const NOT_UTF8 = "its name is not valid UTF-8, so it can't sync";

/**
 * True when `path` came out of a listing with bytes that are not UTF-8: its
 * name holds U+FFFD and nothing answers to that spelling. (A name really
 * spelled with U+FFFD is found and syncs.)
 */
function undecodable(root: string, path: string): boolean {
  if (!path.includes("\uFFFD")) return false;
  try {
    Deno.lstatSync(join(root, path));
    return false;
  } catch (e) {
    return e instanceof Deno.errors.NotFound;
  }
}

/** Add the names of the files in the hold folder `abs` (in folder `dir`) to `held`. */
function noteHeld(abs: string, dir: string, held: Set<string>): void {
  try {
    for (const e of Deno.readDirSync(abs)) held.add(dir === "" ? e.name : `${dir}/${e.name}`);
  } catch {
    // emptied and removed since the listing: nothing held
  }
}
