/**
 * @module unavailable
 * File versions nobody can fetch any more. A version's content comes from
 * its maker or from a device that fetched it; when the maker was removed
 * from the mesh (or retired: gone for good) before any device that stays
 * reported holding the content, no device can ever supply it. Planning with
 * it anyway left every device waiting for the file for good ("still to
 * come"), and a conflict it won never resolved.
 *
 * Rules (a pure function of replicated state, plus this device's own disk):
 * - only a file with content counts (a deletion, a link, an empty file need
 *   no fetch), and only when its maker is removed;
 * - it stays available while some device still in the mesh and syncing the
 *   folder reported that it has nothing left to fetch there ("progress"
 *   with no files needed, not stopped) at or past the entry that carried
 *   the version — that device holds the content and serves it;
 * - and on the device whose disk holds it at its path (this device is then
 *   a source; its next progress tells the others).
 * What is left out is not deleted from the state: if a holder turns up
 * after all, the version takes part again (a conflict at worst, nothing
 * lost). The other versions of its path are planned without it (an older
 * concurrent edit wins; a path with no other version is left as it is).
 * A device that ignores the path locally still reports "nothing left";
 * the others then wait for it as before (a limit, docs/folders.md).
 */

import { decodeFileVersion } from "./file_version.ts";

/** A version as the folder state keeps it (src/log/folder_state.ts StoredVersion). */
export interface KeptVersion {
  readonly id: string;
  /** Hex key of the entry's author (the version's maker). */
  readonly author: string;
  /** Seq of the entry that carried it. */
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** A device's progress record about the folder, as far as this needs it. */
export interface HolderReport {
  /** Hex key of the device. */
  readonly device: string;
  readonly joined: boolean;
  readonly needFiles: number;
  readonly stopped: string;
  /** Per author hex, the last seq of a file version it had folded. */
  readonly frontier: readonly (readonly [string, number])[];
}

/** What decides availability (see the module comment). */
export interface Availability {
  /** True when the device (hex key) was removed from the mesh. */
  readonly removed: (device: string) => boolean;
  /** Progress records of the folder's devices. */
  readonly reports: Iterable<HolderReport>;
  /** True when this device's disk holds `bytes` (a version's encoding) at `path`. */
  readonly heldHere: (path: string, bytes: Uint8Array) => boolean;
}

/** A version left out, and who alone had it. */
export interface UnavailableVersion {
  readonly path: string;
  readonly maker: string;
  /** Seq of the entry that carried it. */
  readonly seq: number;
}

/**
 * A progress frontier that does not claim what was left out: a device that
 * planned without a version has not fetched it, so its "nothing left to
 * fetch" must not cover that version's entry (others would take it for a
 * holder, and the version would never be left out anywhere).
 */
export function frontierBelow<K>(
  frontier: readonly (readonly [K, number])[],
  hexOf: (key: K) => string,
  left: readonly UnavailableVersion[],
): [K, number][] {
  const cap = new Map<string, number>();
  for (const v of left) cap.set(v.maker, Math.min(cap.get(v.maker) ?? v.seq, v.seq));
  return frontier.map(([k, seq]) => {
    const first = cap.get(hexOf(k));
    return [k, first === undefined ? seq : Math.min(seq, first - 1)];
  });
}

/**
 * The versions of each path without those nobody can supply; the ones left
 * out are pushed to `out`. Paths left with no version are skipped.
 */
export function* withoutUnavailable<V extends KeptVersion>(
  paths: Iterable<readonly [string, readonly V[]]>,
  a: Availability,
  out: UnavailableVersion[],
): Generator<[string, readonly V[]]> {
  let covered: Map<string, number> | undefined;
  const coveredOf = (author: string): number => {
    if (covered === undefined) {
      covered = new Map();
      for (const r of a.reports) {
        if (!r.joined || r.needFiles !== 0 || r.stopped !== "" || a.removed(r.device)) continue;
        for (const [author, seq] of r.frontier) {
          covered.set(author, Math.max(covered.get(author) ?? 0, seq));
        }
      }
    }
    return covered.get(author) ?? 0;
  };
  const gone = (path: string, v: V): boolean => {
    if (!a.removed(v.author)) return false;
    const version = decodeFileVersion(v.bytes);
    if (version.kind !== "file" || version.size === 0) return false;
    return coveredOf(v.author) < v.seq && !a.heldHere(path, v.bytes);
  };
  for (const [path, list] of paths) {
    let kept: V[] | undefined;
    for (let i = 0; i < list.length; i++) {
      if (!gone(path, list[i])) {
        kept?.push(list[i]);
        continue;
      }
      kept ??= list.slice(0, i);
      out.push({ path, maker: list[i].author, seq: list[i].seq });
    }
    if (kept === undefined) yield [path, list];
    else if (kept.length > 0) yield [path, kept];
  }
}

/** The versions {@link withoutUnavailable} would leave out of `paths`. */
export function unavailableOf(
  paths: Iterable<readonly [string, readonly KeptVersion[]]>,
  a: Availability,
): UnavailableVersion[] {
  const out: UnavailableVersion[] = [];
  const it = withoutUnavailable(paths, a, out);
  while (!it.next().done);
  return out;
}
