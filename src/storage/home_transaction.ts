/**
 * @module home_transaction
 * One write transaction of a home (`Home.write` runs each here): the writer
 * is built from rows read inside the transaction (another process may have
 * just written), state rows are cached only while the transaction holds the
 * database, the writer finishes (refold, clock) before the commit, and a
 * refetchable transaction (no fsync, db.ts) may hold nothing a peer could
 * not send again: this device's own entries in one is refused.
 * Loaded on the first write: commands that only read never load the
 * writing half (signing, ingest, the fold, refold).
 */

import type { HlcClock } from "../crdt/hlc.ts";
import { inTransaction } from "./db.ts";
import { HomeWriter } from "./home_writer.ts";
import type { WriterParts } from "./writer_parts.ts";

/** A writer's parts, the clock read when the transaction has begun. */
export type WriterSource = Omit<WriterParts, "clock"> & { readonly clock: () => HlcClock };

/**
 * Run `fn` with a writer made of `p` in one write transaction: everything
 * it does commits together, or nothing.
 */
export async function writeTransaction<T>(
  p: WriterSource,
  fn: (w: HomeWriter) => Promise<T> | T,
  refetchable: boolean,
): Promise<T> {
  let committed = false;
  try {
    const r = await inTransaction(p.db, p.paths.db, async () => {
      p.state.cacheRows(true); // the transaction holds the database: rows may be kept
      // Read inside the transaction: another process may have just written.
      const writer = new HomeWriter({ ...p, clock: p.clock() });
      const r = await fn(writer);
      await writer.finish();
      if (refetchable && writer.committed > 0) {
        throw new Error("a refetchable write committed this device's own entries");
      }
      return r;
    }, { refetchable });
    committed = true;
    return r;
  } finally {
    p.state.cacheRows(false, committed);
  }
}
