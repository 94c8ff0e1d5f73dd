/**
 * @module sql_state_scans
 * Whole-table reads of the keyspaces' rows (every key's versions, every
 * parked dot, every floor), for the digest, checkpoints and merges: keyset
 * pages read with `all()`, never `iterate()`: Deno's node:sqlite ends an
 * `iterate()` quietly when SQLite reports an error (a damaged page), which
 * would show a damaged state as an empty one.
 */

import type { Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { Space } from "../log/state.ts";
import { type SpaceStatements, toVersion, type VersionRow } from "./sql_space.ts";

/** Rows per page of a whole-table scan. */
const PAGE = 1000;

/** Every row of a keyset-paged query: `page(last)` returns the rows after `last`. */
function* pages<R>(page: (last: R | undefined) => unknown[]): Iterable<R> {
  let last: R | undefined;
  while (true) {
    const rows = page(last) as R[];
    yield* rows;
    if (rows.length < PAGE) return;
    last = rows[rows.length - 1];
  }
}

/** Every key of `space` with its versions, in key order. */
export function* keysOf(s: SpaceStatements, space: Space): Iterable<[string, Version[]]> {
  let key: string | undefined;
  let list: Version[] = [];
  const rows = pages<VersionRow & { key: string }>(
    (r) => s.allVersions.all(space, r?.key ?? "", r?.author ?? "", r?.seq ?? -1, PAGE),
  );
  for (const r of rows) {
    if (r.key !== key) {
      if (key !== undefined) yield [key, list];
      key = r.key;
      list = [];
    }
    list.push(toVersion(r));
  }
  if (key !== undefined) yield [key, list];
}

/** Every parked dot: (space, key, author, seq). */
export function* parkedRows(s: SpaceStatements): Iterable<[Space, string, string, number]> {
  const rows = pages<Record<string, unknown>>((r) =>
    s.allParked.all(
      (r?.space ?? "") as string,
      (r?.key ?? "") as string,
      (r?.author ?? "") as string,
      (r?.seq ?? -1) as number,
      PAGE,
    )
  );
  for (const r of rows) {
    yield [r.space as Space, r.key as string, r.author as string, r.seq as number];
  }
}

/** Every floor: (space, key, stamp). */
export function* floorRows(s: SpaceStatements): Iterable<[Space, string, Hlc]> {
  const rows = pages<Record<string, unknown>>((r) =>
    s.allFloors.all((r?.space ?? "") as string, (r?.key ?? "") as string, PAGE)
  );
  for (const r of rows) {
    yield [r.space as Space, r.key as string, {
      wall: r.wall as number,
      counter: r.counter as number,
      node: r.node as string,
    }];
  }
}
