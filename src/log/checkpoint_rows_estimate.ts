/**
 * @module checkpoint_rows_estimate
 * The least a checkpoint of some state rows can take, counted from the rows
 * themselves without encoding them: so a base that is plainly past one
 * checkpoint's bounds (a compaction of a large home, a checkpoint joined into
 * it) goes into parts at once (storage/base_state.ts). Making the whole
 * checkpoint first to find out built up to 64 MiB of rows and their CBOR,
 * and a compaction of 68 MB of state peaked at 546–566 MiB RSS (430–473
 * MiB going to parts at once: docs/sync_protocol.md).
 *
 * Unlike the estimate pairing reads from the database's columns
 * (storage/checkpoint_estimate.ts), this one reads decoded values, so it is a
 * true lower bound: each string counts its UTF-16 length (never more than its
 * UTF-8 bytes), each other scalar its smallest CBOR form, and what it does
 * not count (the frontier's entries, members, synced folders) only makes it
 * lower. A state it puts past the bounds cannot fit one checkpoint; a state
 * under them is still tried whole, as before, so its base is the same bytes.
 */

import type { Json } from "../crdt/json.ts";
import { CHECKPOINT_LIMITS } from "./checkpoint_format.ts";
import { SPACES } from "./state.ts";
import type { StateRows } from "./state_rows.ts";

/** A lower bound of a checkpoint's size: bytes, and CBOR items. */
export interface RowsEstimate {
  readonly bytes: number;
  readonly items: number;
}

/** Bytes of a CBOR head carrying `n` (an unsigned integer, or a length). */
function headBytes(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9;
}

/** Bytes of a string, at least (its UTF-16 length: UTF-8 is never shorter). */
function textBytes(s: string): number {
  return headBytes(s.length) + s.length;
}

/** Least bytes and items of a JSON value in CBOR. */
function jsonEstimate(v: Json, into: { bytes: number; items: number }): void {
  into.items++;
  if (typeof v === "string") into.bytes += textBytes(v);
  else if (Array.isArray(v)) {
    into.bytes += headBytes(v.length);
    for (const x of v) jsonEstimate(x, into);
  } else if (v !== null && typeof v === "object") {
    const entries = Object.entries(v);
    into.bytes += headBytes(entries.length);
    for (const [k, x] of entries) {
      into.bytes += textBytes(k);
      into.items++;
      jsonEstimate(x, into);
    }
  } else into.bytes += 1;
}

/** The least a checkpoint of `rows` takes (checkpoint_spaces.ts has the rows' form). */
export function estimateRows(rows: StateRows): RowsEstimate {
  const e = { bytes: 0, items: 0 };
  for (const space of SPACES) {
    for (const [key, versions] of rows.keysOf(space)) {
      for (const v of versions) {
        // [space, key, author, seq, wall, counter, legacy, [value] | []]
        e.bytes += 5 + textBytes(key) + headBytes(v.dot.seq) + headBytes(v.stamp.wall) +
          headBytes(v.stamp.counter);
        e.items += 9;
        if (v.value !== undefined) jsonEstimate(v.value, e);
      }
    }
  }
  for (const [, key, , seq] of rows.parked()) {
    e.bytes += 3 + textBytes(key) + headBytes(seq);
    e.items += 5;
  }
  for (const [, key, h] of rows.floors()) {
    e.bytes += 3 + textBytes(key) + headBytes(h.wall) + headBytes(h.counter);
    e.items += 6;
  }
  return e;
}

/** Whether a checkpoint of at least `e` is past one checkpoint's bounds (or `maxBytes`). */
export function pastBounds(e: RowsEstimate, maxBytes = CHECKPOINT_LIMITS.maxBytes): boolean {
  return e.bytes > maxBytes || e.items > CHECKPOINT_LIMITS.maxNodes;
}
