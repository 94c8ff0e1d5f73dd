/**
 * @module versions
 * Replaced and deleted files are kept under `.mycel/versions/`, mirroring
 * the folder: `dir/report.pdf` replaced at 2026-03-04 05:06:07.089 UTC is
 * kept as `.mycel/versions/dir/report~20260304-050607-089.pdf` (the stamp is
 * when it was put there; dotfiles and names without a dot take the stamp at
 * the end, the same split as conflict copies). So `folder versions PATH`
 * lists one folder, and `pruneVersions` drops what is older than the
 * retention (30 days unless configured) by the stamp in the name — not the
 * file's own mtime, which is the old version's and kept as it was.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { fitStem, splitExtension, utcStamp } from "./conflict_name.ts";
import { VERSIONS_DIR } from "./folder_layout.ts";
import { baseName, parentOf } from "./paths.ts";
import { MAX_NAME_BYTES, utf8Length } from "../log/logged_path.ts";
import { withoutOsPaths } from "./write_problem.ts";

/** Default retention of kept versions (ms). */
export const DEFAULT_VERSION_RETENTION_MS = 30 * 24 * 3600 * 1000;

const STAMP = /~(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})$/;

/** `~YYYYMMDD-HHMMSS-mmm` of `ms` in UTC. */
function stampOf(ms: number): string {
  return `~${utcStamp(ms)}-${String(new Date(ms).getUTCMilliseconds()).padStart(3, "0")}`;
}

/** Stem and extension used for kept versions of `name` (stem shortened to fit 255 bytes: fitStem). */
function keptParts(name: string): [string, string] {
  let [stem, ext] = splitExtension(name);
  if (utf8Length(ext) > 64) [stem, ext] = [name, ""];
  return [fitStem(stem, MAX_NAME_BYTES - utf8Length(stampOf(0)) - utf8Length(ext), name), ext];
}

/** Folder-relative path of the kept version of `relPath` archived at `ms`. */
export function versionPathFor(relPath: string, ms: number): string {
  const [stem, ext] = keptParts(baseName(relPath));
  const parent = parentOf(relPath);
  return `${VERSIONS_DIR}/${parent === "" ? "" : `${parent}/`}${stem}${stampOf(ms)}${ext}`;
}

/** One kept version. */
export interface KeptVersion {
  /** Folder-relative path of the kept copy. */
  readonly path: string;
  /** When it was kept (ms, from its name). */
  readonly keptAt: number;
  /** Its size in bytes. */
  readonly size: number;
  /** A symbolic link kept as a link (never followed). */
  readonly link: boolean;
}

/** The time encoded in a kept version's name (`stem~STAMP` without extension), or undefined. */
function parseStamp(stemWithStamp: string): number | undefined {
  const m = STAMP.exec(stemWithStamp);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  return Number.isNaN(t) || stampOf(t) !== m[0] ? undefined : t;
}

/** When the kept copy named `name` (its file name) was kept, from its stamp; undefined if none. */
export function keptTimeOf(name: string): number | undefined {
  const [stemWithStamp] = splitExtension(name);
  return parseStamp(stemWithStamp) ?? parseStamp(name);
}

/**
 * The kept versions of `relPath` in the folder at `root`, newest first.
 * @throws MycelError `versions_not_listed` when their folder can't be
 * listed (another user keeps it private, say): never the runtime's
 * permission error, which the command line would blame on the mycel home.
 */
export async function listVersions(root: string, relPath: string): Promise<KeptVersion[]> {
  const [stem, ext] = keptParts(baseName(relPath));
  const parent = parentOf(relPath);
  const dir = join(root, VERSIONS_DIR, parent);
  const out: KeptVersion[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      // Links are kept as links too (a synced link replaced or deleted).
      if (!(e.isFile || e.isSymlink) || !e.name.endsWith(ext)) continue;
      const head = e.name.slice(0, e.name.length - ext.length);
      if (!head.startsWith(`${stem}~`) || head.length !== stem.length + 20) continue;
      const keptAt = parseStamp(head);
      if (keptAt === undefined) continue;
      const rel = `${VERSIONS_DIR}/${parent === "" ? "" : `${parent}/`}${e.name}`;
      // Pruned by a round meanwhile: not a version any more, and no reason to list none.
      const info = await Deno.lstat(join(root, rel)).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      });
      if (info !== undefined) out.push({ path: rel, keptAt, size: info.size, link: e.isSymlink });
    }
  } catch (e) {
    // Nothing there, or a file where the folder would be: no version kept.
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return [];
    throw new MycelError("versions_not_listed", `list old versions of ${relPath}`, whyNot(e), {
      value: dir,
      hint: "Let this user read that folder (it may belong to another user), " +
        "or run this as a user who can.",
      cause: e,
    });
  }
  return out.sort((a, b) => b.keptAt - a.keptAt);
}

/** A kept version that could not be removed (or a folder of them not listed), and why. */
export interface NotRemoved {
  /** Folder-relative (under `.mycel/versions/`). */
  readonly path: string;
  readonly reason: string;
}

/** What {@link pruneVersions} removed, and what it could not. */
export interface PruneResult {
  /** Kept versions deleted. */
  removed: number;
  /** Their bytes. */
  bytes: number;
  /** Versions past the retention that could not be removed. */
  notRemoved: NotRemoved[];
  /**
   * Folders under `.mycel/versions/` that could not be listed: what they
   * hold is not known, so neither pruned nor said to be past the retention.
   */
  notListed: NotRemoved[];
}

/** Why `e` stopped a removal or listing, the same every round (no OS path in it). */
export function whyNot(e: unknown): string {
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error ? withoutOsPaths(e.message) : String(e);
}

/**
 * Delete kept versions older than `retentionMs` (by the stamp in their
 * names), then the folders left empty. Files without a stamp are left alone.
 * `dryRun` deletes nothing and counts what it would (`folder retention`
 * says it before a round does it).
 * One that can't be removed (a file in a folder another user owns, say) is
 * named in `notRemoved`, a folder that can't be listed in `notListed`, and
 * the rest go on: it is old copies, not worth stopping a sync round for.
 */
export async function pruneVersions(
  root: string,
  options: { retentionMs?: number; now?: number; dryRun?: boolean } = {},
): Promise<PruneResult> {
  const dryRun = options.dryRun === true;
  const cutoff = (options.now ?? Date.now()) -
    (options.retentionMs ?? DEFAULT_VERSION_RETENTION_MS);
  const result: PruneResult = { removed: 0, bytes: 0, notRemoved: [], notListed: [] };
  const walk = async (rel: string): Promise<boolean> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(root, rel)));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return true;
      result.notListed.push({ path: rel, reason: whyNot(e) });
      return false;
    }
    let empty = true;
    for (const e of entries) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory) {
        if (await walk(path) && !dryRun) await Deno.remove(join(root, path)).catch(() => {});
        else empty = false;
        continue;
      }
      const kept = e.isFile || e.isSymlink; // a link is removed, never followed
      const keptAt = kept ? keptTimeOf(e.name) : undefined;
      if (keptAt === undefined || keptAt >= cutoff) {
        empty = false;
        continue;
      }
      try {
        const size = (await Deno.lstat(join(root, path))).size;
        if (!dryRun) await Deno.remove(join(root, path));
        result.removed++;
        result.bytes += size;
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue; // removed meanwhile
        result.notRemoved.push({ path, reason: `it can't be removed (${whyNot(err)})` });
        empty = false;
      }
    }
    return empty;
  };
  await walk(VERSIONS_DIR);
  return result;
}
