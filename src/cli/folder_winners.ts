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
import { decodeStoredFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { FolderRows, StoredVersion } from "../log/folder_state.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { storedKindSize } from "../log/stored_content_key.ts";

/** One path of a folder: its winning version and what loses to it. */
export interface Winner {
  readonly path: string;
  /** The winning version's kind and, a file's, size (else 0): as `version` says. */
  readonly kind: FileVersion["kind"];
  readonly size: number;
  /**
   * The winning version. A path's only version is decoded when this is
   * first read: a folder's totals and most standings need only `kind`,
   * `size` and `bytes` (decoding 200,000 versions was a fifth of a status).
   */
  readonly version: FileVersion;
  /**
   * The winning version's stored bytes (its canonical encoding): compared
   * by content without decoding the other side (stored_content_key.ts).
   */
  readonly bytes: Uint8Array;
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

/** A path's only version: it wins, decoded when first read. */
class LoneWinner implements Winner {
  readonly dots: readonly [string, number][];
  readonly maker: string;
  readonly bytes: Uint8Array;
  readonly conflict = false;
  readonly losers = [];
  #version?: FileVersion;

  constructor(
    readonly path: string,
    readonly kind: FileVersion["kind"],
    readonly size: number,
    stored: StoredVersion,
  ) {
    this.bytes = stored.bytes;
    this.maker = stored.author;
    this.dots = [[stored.author, stored.seq]];
  }

  get version(): FileVersion {
    // The state's own rows: checked when they came in (the canonical check is not repeated).
    return this.#version ??= decodeStoredFileVersion(this.bytes);
  }

  get versions(): readonly FileVersion[] {
    return [this.version];
  }
}

/** The winner of every path of `folder`. */
export function* winners(rows: FolderRows, folder: string): Generator<Winner> {
  for (const [path, list] of rows.paths(folder)) {
    const head = list.length === 1 ? storedKindSize(list[0].bytes) : undefined;
    if (head !== undefined) {
      // Most paths: one version, winning alone (what winnerOf and undoneIn give it).
      yield new LoneWinner(path, head.kind, head.size, list[0]);
      continue;
    }
    const versions = list.map((v) => decodeStoredFileVersion(v.bytes));
    const w = winnerOf(versions);
    const at = versions.indexOf(w);
    // A version a deletion of the set undid (a mere touch of what it deleted)
    // loses without a copy: nothing of it is waited for.
    const undone = undoneIn(versions);
    yield {
      path,
      kind: w.kind,
      size: w.kind === "file" ? w.size : 0,
      version: w,
      bytes: list[at].bytes,
      dots: list.map((v) => [v.author, v.seq]),
      maker: list[at].author,
      conflict: versions.some((v) => !sameContent(v, w)),
      losers: versions.flatMap((v, i) =>
        sameContent(v, w) || undone.has(v) ? [] : [{ version: v, maker: list[i].author }]
      ),
      versions,
    };
  }
}

/**
 * The name of the device removed since that made a version, when the
 * version has content to fetch (only a device that fetched it can send it
 * now); else undefined. One reading of the mesh state per maker for the
 * caller's pass over a folder (it has a few makers and may have 100,000
 * paths: a read per path was a second of `folder status`).
 */
export function removedMakers(
  home: Home,
): (
  v: { readonly kind: FileVersion["kind"]; readonly size?: number },
  maker: string,
) => string | undefined {
  const known = new Map<string, string | undefined>();
  return (v, maker) => {
    if (v.kind !== "file" || v.size === 0) return undefined;
    if (!known.has(maker)) {
      const by = home.view.member(deviceOfHex(maker));
      known.set(maker, by?.removed === undefined ? undefined : by.record.name);
    }
    return known.get(maker);
  };
}
