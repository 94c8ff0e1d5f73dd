/**
 * @module folder_winners
 * Each path of a synced folder as the views read it: the version that wins
 * among those the replicated state keeps (src/files/conflict.ts), whether it
 * is a conflict, the losers that become conflict copies, and who made each;
 * and whether a version's content waits on a device removed since.
 * `folder status` (folder_view.ts) and `folder conflicts`
 * (folder_conflicts.ts) both count from here, so the files one says a device
 * waits for are the ones the other lists.
 */

import { undoneIn, winnerOf } from "../files/conflict.ts";
import { sameContent } from "../files/version_content.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { FolderRows } from "../log/folder_state.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";

/** One path of a folder: its winning version and what loses to it. */
export interface Winner {
  readonly path: string;
  readonly version: FileVersion;
  /** Per version of the set, its entry's (author hex, seq). */
  readonly dots: readonly [string, number][];
  /** Hex key of the winning version's maker (its entry's author). */
  readonly maker: string;
  readonly conflict: boolean;
  /**
   * The versions that lose to it with other content and are not undone by a
   * deletion (each file or link among them becomes a conflict copy), and their makers.
   */
  readonly losers: readonly { version: FileVersion; maker: string }[];
  /** Every version of the path (the set a merge must be above). */
  readonly versions: readonly FileVersion[];
}

/** The winner of every path of `folder`. */
export function* winners(rows: FolderRows, folder: string): Generator<Winner> {
  for (const [path, list] of rows.paths(folder)) {
    const versions = list.map((v) => decodeFileVersion(v.bytes));
    const w = winnerOf(versions);
    // A version a deletion of the set undid (a mere touch of what it deleted)
    // loses without a copy: nothing of it is waited for.
    const undone = undoneIn(versions);
    yield {
      path,
      version: w,
      dots: list.map((v) => [v.author, v.seq]),
      maker: list[versions.indexOf(w)].author,
      conflict: versions.some((v) => !sameContent(v, w)),
      losers: versions.flatMap((v, i) =>
        sameContent(v, w) || undone.has(v) ? [] : [{ version: v, maker: list[i].author }]
      ),
      versions,
    };
  }
}

/**
 * The name of the device removed since that made `v`, when `v` has content
 * to fetch (only a device that fetched it can send it now); else undefined.
 */
export function removedMaker(home: Home, v: FileVersion, maker: string): string | undefined {
  if (v.kind !== "file" || v.size === 0) return undefined;
  const by = home.view.member(deviceOfHex(maker));
  return by?.removed === undefined ? undefined : by.record.name;
}
