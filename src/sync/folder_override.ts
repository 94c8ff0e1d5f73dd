/**
 * @module folder_override
 * `folder override`: what this device's disk holds becomes the folder's
 * version everywhere, for every path where the folder's state says
 * otherwise (a version not applied here yet, a conflict, a version nobody
 * can supply any more because its maker was removed before anyone fetched
 * it) — Syncthing's "Override Changes".
 *
 * Per such path one new version is published: the content the index says
 * the disk holds (the caller scans first), or a deletion when the disk has
 * nothing there, with a vector above every version of the path (their
 * merge, this device's counter one more), so it supersedes them all on
 * every device. Nothing is lost on a disk: a device that replaces or removes
 * a file for it keeps the old one under `.mycel/versions` (keep days).
 * Paths this device ignores, paths the scan could not read (the index does
 * not say what is there), and paths the disk holds but the state does not
 * know yet (the scan publishes those) are left alone; the caller refuses
 * while deletions are held (their index rows describe files that are gone).
 * So are paths this device never had (no index row, and no version of them
 * made or seen here): their files have not arrived yet, which is not "this
 * disk deleted them" — an override right after `folder join` deleted every
 * file on every device (found by a review). Such a path is overridden (its
 * deletion published) only when named, or with `missing` (the user's word
 * that its content can't come any more). Not on a guess: a maker removed
 * since says nothing, another device may hold the content and send it (a
 * review found a version made by a retired device deleted on a device that
 * had it).
 * A path whose versions name so many devices between them that a vector
 * above them all can't be published (only a member naming made-up devices
 * gets one there) is left alone and said, not the end of the override.
 */

import { sameContent } from "../files/version_content.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { builtVvProblem, bumpVv, mergeVv, type VersionVector } from "../log/version_vector.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { Op } from "../log/ops.ts";
import type { StateView } from "../log/state.ts";
import type { Home } from "../storage/home_handle.ts";
import type { FolderLocalView, IndexRow } from "../storage/sql_folder_local.ts";
import { commitSplit } from "./folder_scan_split.ts";

/** One path overridden: what it becomes everywhere. */
export interface Overridden {
  readonly path: string;
  /** "file", "symlink" or "deleted" (the disk holds nothing there). */
  readonly becomes: FileVersion["kind"];
  /** How many versions of the path it supersedes. */
  readonly replaces: number;
}

/** What {@link overrideFolder} is told. */
export interface OverrideOptions {
  /** Only these paths, or paths under them (folder-relative); all when absent. */
  readonly only?: ReadonlySet<string>;
  /**
   * Paths the scan could not read (skipped: unreadable, special files,
   * changing while read; or under such a folder): the index does not say
   * what the disk holds there, so they are never overridden.
   */
  readonly unsure?: ReadonlySet<string>;
  /** Paths this device ignores (never overridden). */
  readonly ignored: (path: string) => boolean;
  /** Work out and report, publish nothing. */
  readonly dryRun: boolean;
  /** Publish the deletion of paths this device never had too (see the module comment). */
  readonly missing?: boolean;
}

/** What {@link overrideFolder} did, or would do. */
export interface OverrideResult {
  /** The paths overridden. */
  readonly paths: Overridden[];
  /** Paths left alone because this device never had them (their files are still to come). */
  readonly notArrived: string[];
  /** Paths left alone because the scan could not read them (the disk's content is unknown). */
  readonly unread: string[];
  /** Paths named (`only`) that are no path of the folder, nor a folder above one. */
  readonly unknown: string[];
  /**
   * Paths left alone because a version above all of theirs would name too
   * many devices (builtVvProblem: their versions name made-up ones), with why.
   */
  readonly tooWide: { path: string; reason: string }[];
}

/** Override `folder` with this device's disk (see the module comment). */
export async function overrideFolder(
  home: Home,
  folder: string,
  o: OverrideOptions,
): Promise<OverrideResult> {
  const result = (p: ReturnType<typeof plan>): OverrideResult => ({
    paths: p.out,
    notArrived: p.notArrived,
    unread: p.unread,
    unknown: p.unknown,
    tooWide: p.tooWide,
  });
  if (o.dryRun) {
    return result(plan(home.view, home.folderLocal, home.device.id, home.now(), folder, o));
  }
  // Worked out inside the write: a sync that applied a version here since
  // the caller's scan must not be overridden with what the disk held before.
  return await home.write(async (w) => {
    const p = plan(w.view, w.folderLocal, w.device.id, home.now(), folder, o);
    if (p.ops.length > 0) {
      await commitSplit(w, p.ops);
      for (const r of p.rows) w.folderLocal.putIndex(folder, r);
    }
    return result(p);
  }, { signs: true });
}

/** The versions an override publishes and the index rows that then describe the disk. */
function plan(
  view: StateView,
  local: FolderLocalView,
  self: DeviceId,
  now: number,
  folder: string,
  o: OverrideOptions,
): {
  out: Overridden[];
  ops: [Op, number][];
  rows: IndexRow[];
  notArrived: string[];
  unread: string[];
  unknown: string[];
  tooWide: { path: string; reason: string }[];
} {
  const index = local.index(folder).rows;
  const notArrived: string[] = [], unread: string[] = [];
  const tooWide: { path: string; reason: string }[] = [];
  const named = new Set<string>();
  const out: Overridden[] = [];
  const ops: [Op, number][] = [];
  const rows: IndexRow[] = [];
  for (const [path, list] of view.folders().paths(folder)) {
    if (list.length === 0 || (o.only && !within(path, o.only))) continue;
    for (const n of o.only ?? []) if (path === n || path.startsWith(`${n}/`)) named.add(n);
    if (o.ignored(path)) continue;
    const row = index.get(path);
    if (row !== undefined && row.version === null) continue; // not published yet: the scan's
    const held = row?.version ?? undefined;
    const versions = list.map((v) => decodeFileVersion(v.bytes));
    const base = held === undefined ? undefined : decodeFileVersion(held);
    // Versions equal to what the disk holds (two devices deleted it, or made
    // it with the same bytes, while apart) are no conflict: nothing to override.
    const inSync = base === undefined
      ? versions.every((v) => v.kind === "deleted")
      : versions.every((v) => sameContent(v, base) && sameExec(v, base));
    if (inSync) continue;
    if (o.unsure && within(path, o.unsure)) {
      unread.push(path);
      continue;
    }
    if (row === undefined && !versions.some((v) => (v.vv.get(self) ?? 0) > 0)) {
      // Never here (see the module comment): still to come, unless named or
      // the user says it can't come any more (`missing`).
      const asked = o.only !== undefined && within(path, o.only);
      if (!asked && o.missing !== true) {
        notArrived.push(path);
        continue;
      }
    }
    let all: VersionVector = new Map();
    for (const v of versions) all = mergeVv(all, v.vv);
    if (base !== undefined) all = mergeVv(all, base.vv);
    const vv = bumpVv(all, self);
    const wide = builtVvProblem(vv);
    if (wide !== undefined) {
      tooWide.push({ path, reason: wide });
      continue;
    }
    const version: FileVersion = base === undefined
      ? { kind: "deleted", path, mtime: now, modifiedBy: self, vv }
      : { ...base, modifiedBy: self, vv };
    const bytes = encodeFileVersion(version);
    ops.push([{ type: "file.version", folder, version }, bytes.length]);
    if (row !== undefined) rows.push({ ...row, version: bytes });
    out.push({ path, becomes: version.kind, replaces: list.length });
  }
  const unknown = [...o.only ?? []].filter((n) => !named.has(n));
  return { out, ops, rows, notArrived, unread, unknown, tooWide };
}

/** True when neither is a file, or both are files with the same exec bit. */
function sameExec(a: FileVersion, b: FileVersion): boolean {
  return a.kind !== "file" || (b.kind === "file" && a.exec === b.exec);
}

/** True when `path` is in `set` or under a folder in it. */
function within(path: string, set: ReadonlySet<string>): boolean {
  if (set.has(path)) return true;
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    if (set.has(path.slice(0, i))) return true;
  }
  return false;
}
