/**
 * @module repair_base
 * The checkpoint base through `repair` (repair.ts): whether the stored base
 * still reads back, and putting it into the rebuilt database. A base is one
 * unsigned checkpoint, or — on a device paired into a state over 64 MiB —
 * the head of a checkpoint in parts with its parts in `base_parts`
 * (base_state.ts). A base in parts reads back when its head decodes and
 * every part it declares is there with its size and SHA-256; it is put
 * back part by part, as pairing took it (checkpoint_parts_in.ts), so repair
 * never decodes more than a part at a time. Before, repair read only the
 * one-checkpoint form: a base in parts was named damaged, and the rebuilt
 * home lost every row it held.
 */

import { readCheckpoint } from "../log/checkpoint.ts";
import type { FrontierHead } from "../log/checkpoint_format.ts";
import { isPartedHead, PartReader, readPartedHead } from "../log/checkpoint_parts_decode.ts";
import { mergeState } from "../log/state_merge.ts";
import { storeBase, storeBaseHead, storeBasePart } from "./base_state.ts";
import type { Db } from "./db.ts";
import type { SqlState } from "./sql_state.ts";

/** A base that reads back: the heads it covers, and how to put it into a fresh home. */
export interface ReadableBase {
  readonly frontier: readonly FrontierHead[];
  /** Store it in `db` and fold its state into `into` (a home with no state yet). */
  restore(db: Db, into: SqlState): void;
}

/**
 * The base of `bytes` (and, for a base in parts, `parts`: its parts in
 * order, read again on restore), or undefined when it does not read back.
 */
export async function readBaseState(
  bytes: Uint8Array,
  parts: () => Iterable<Uint8Array>,
): Promise<ReadableBase | undefined> {
  try {
    if (!isPartedHead(bytes)) {
      const cp = await readCheckpoint(bytes, { unsigned: true });
      return {
        frontier: cp.frontier,
        restore(db, into) {
          storeBase(db, bytes);
          mergeState(into, cp.state);
        },
      };
    }
    const head = await readPartedHead(bytes, { unsigned: true });
    const checked = new PartReader(head);
    for (const part of parts()) checked.check(part);
    checked.end();
    return {
      frontier: head.frontier,
      restore(db, into) {
        // Seen seqs, apps and members first, then each part's rows as a
        // merge from an empty side puts them (as checkpoint_parts_in.ts).
        into.flush();
        mergeState(into, head.state);
        storeBaseHead(db, bytes);
        const reader = new PartReader(head);
        for (const part of parts()) {
          reader.take(part, into);
          storeBasePart(db, reader.taken - 1, part);
          into.flush();
          into.invalidate();
        }
        reader.end();
      },
    };
  } catch {
    return undefined;
  }
}
