/**
 * @module folder_scan_split
 * Versions committed as as few signed entries as fit under the entry size
 * limit. Apart because more than the scan publishes this way (applying's
 * record, folder_apply_record.ts; an override, folder_override.ts), and none
 * of them needs the scan for it.
 */

import type { Op } from "../log/ops.ts";

/** Most encoded version bytes per entry (entries are at most 1 MiB). */
const ENTRY_BYTES = 900_000;
/** Most ops per entry. */
const ENTRY_OPS = 4000;

/** Commit `ops` (with sizes) as as few entries as fit. */
export async function commitSplit(
  w: { commit(ops: readonly Op[]): Promise<unknown> },
  ops: readonly [Op, number][],
): Promise<void> {
  let batch: Op[] = [], bytes = 0;
  for (const [op, size] of ops) {
    if (batch.length > 0 && (bytes + size > ENTRY_BYTES || batch.length >= ENTRY_OPS)) {
      await w.commit(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(op);
    bytes += size + 64;
  }
  if (batch.length > 0) await w.commit(batch);
}
