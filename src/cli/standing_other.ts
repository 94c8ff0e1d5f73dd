/**
 * @module standing_other
 * Another device's standing in a folder (`folder status`,
 * folder_standing.ts), counted winner by winner from its last progress
 * record: the versions it had not seen, and the bytes of those whose
 * content it does not hold as far as this device can tell.
 */

import { contentDigest } from "../files/version_content.ts";
import { storedContentKey } from "../log/stored_content_key.ts";
import type { RegularFileVersion } from "../log/file_version.ts";
import type { DeviceFolderRow } from "../log/folder_state.ts";
import type { removedMakers, Winner } from "./folder_winners.ts";
import { type Counting, counting } from "./standing_count.ts";

/**
 * Another device: from its last progress record (none: nothing counted),
 * versions it had not seen are behind, plus what it said it still needed.
 */
export function otherCounting(
  hex: string,
  row: DeviceFolderRow,
  removedMaker: ReturnType<typeof removedMakers>,
  folderFrontier: ReadonlyMap<string, number>,
  again: () => Iterable<Winner>,
): Counting {
  const p = row.progress;
  const seen = new Map((p?.frontier ?? []).map(([k, s]) => [k.hex, s]));
  const isBehind = (w: Winner) => w.dots.some(([a, s]) => a !== hex && s > (seen.get(a) ?? 0));
  // No version can be behind when its record had seen the folder's
  // frontier (every version's seq is at most its author's there): then the
  // content it had seen is never asked for, and not keyed (a key per file of
  // 100,000, and its set, were a tenth of a status). Should a version be
  // behind all the same, the keys are made from there on, and those of the
  // versions gone by in a second pass (`again`) at the end.
  let keying = [...folderFrontier].some(([a, s]) => a !== hex && s > (seen.get(a) ?? 0));
  let missed = false;
  const keySeen = (w: Winner) => {
    if (w.kind === "file") seenKeys.add(storedContentKey(w.bytes) ?? "");
  };
  // Content it holds as far as we can tell: what it had seen, and what a
  // deletion it has not seen yet (the old name of a rename) still holds
  // (named by digest: a SHA-256 each, so only files behind are hashed,
  // and only when such a deletion names something). Known only at the end:
  // the files behind wait for it. Content is keyed by its stored bytes
  // (stored_content_key.ts): a key made of each chunk id in hex, for every
  // file it had seen, was 5% of a status of 100,000 files.
  const seenKeys = new Set<string>(), deletedHeld = new Set<string>();
  const behind: { v: RegularFileVersion; key: string | undefined }[] = [];
  return counting(p?.needFiles ?? 0, p?.needBytes ?? 0, (c, w) => {
    if (p === undefined) return;
    // Its own versions it holds, whether or not its last report had them.
    if (!isBehind(w)) {
      if (keying) keySeen(w);
      return;
    }
    if (!keying) keying = missed = true;
    c.behindFiles++;
    // Decoded only here (a version it is behind by), and not a link.
    const v = w.kind === "symlink" ? undefined : w.version;
    if (v?.kind === "deleted" && v.deletedContent !== undefined) deletedHeld.add(v.deletedContent);
    if (v?.kind === "file") behind.push({ v, key: storedContentKey(w.bytes) });
    // Content only a device removed since made: it may never reach that device either.
    const name = removedMaker(w, w.maker);
    if (name !== undefined) c.fromRemoved.set(name, (c.fromRemoved.get(name) ?? 0) + 1);
  }, (c) => {
    if (missed && behind.length > 0) {
      for (const w of again()) if (!isBehind(w)) keySeen(w);
    }
    const itHolds = (v: RegularFileVersion, key: string | undefined) =>
      (key !== undefined && seenKeys.has(key)) ||
      (deletedHeld.size > 0 && deletedHeld.has(contentDigest(v)));
    for (const { v, key } of behind) if (!itHolds(v, key)) c.behindBytes += v.size;
  });
}
