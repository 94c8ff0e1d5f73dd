/**
 * @module home_transaction
 * One write transaction of a home (`Home.write` runs each here): the writer
 * is built from rows read inside the transaction (another process may have
 * just written), state rows are cached only while the transaction holds the
 * database, the writer finishes (refold, clock) before the commit, and a
 * refetchable transaction (no fsync, db.ts) may hold nothing a peer could
 * not send again: this device's own entries in one is refused. After each
 * write a removed phone's private key may go ({@link afterWrite}).
 * Loaded on the first write: commands that only read never load the
 * writing half (signing, ingest, the fold, refold).
 */

import type { HlcClock } from "../crdt/hlc.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { StateView } from "../log/state.ts";
import { lazyImport } from "../lazy_import.ts";
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

/**
 * What follows each write of the home at `root` (`Home.write`), done
 * whatever happens here: a removed phone's private key has no use left (no
 * config of it is printed again): it goes with the write that folded this
 * device's own removal of it. One taken in from a peer leaves it (that
 * removal may stop counting when its author's earlier cut arrives:
 * wg_device_keys.ts); `doctor` names such a key and `doctor --fix` deletes
 * it. Costs one failed readDir in a home without phones.
 */
export async function afterWrite(root: string, view: StateView, device: DeviceKey): Promise<void> {
  // Loaded here, not at start-up: it needs node:fs (a command that only
  // reads, like `status`, never pays for it).
  await lazyImport<typeof import("./wg_device_keys.ts")>(
    new URL("./wg_device_keys.ts", import.meta.url),
  ).then((m) => m.dropRemovedKeys(root, view, device)).catch(() => {});
}
