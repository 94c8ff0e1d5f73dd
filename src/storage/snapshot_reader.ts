/**
 * @module snapshot_reader
 * A read of the home through a connection of its own, held in one read
 * transaction: everything read through it comes from the state committed
 * when it was opened, however long the read takes and whatever the home's
 * main connection (or another process) commits meanwhile. WAL gives a
 * reader that stable snapshot without holding up a writer.
 *
 * For a read too long to run in one piece (cutting a large state into a
 * checkpoint in parts: parts_spool.ts): it yields to the event loop as it
 * goes, and a `sync serve --listen` keeps answering its other peers, whose
 * sessions write through the main connection. On that connection a
 * snapshot (home_view.ts `snapshot`) would be a read transaction that its
 * writes (`BEGIN IMMEDIATE`) cannot begin inside: they would have to wait
 * for the whole read.
 *
 * Its own SqlState and SqlLog over this connection: they remember nothing
 * outside a write transaction (sql_state.ts), and this connection never
 * writes (`query_only`), so every row comes from the snapshot. While it is
 * held, the write-ahead log cannot be checkpointed past it and grows by
 * what is committed meanwhile; it is released at {@link SnapshotReader.close}.
 */

import { type Db, guard, openReadOnly } from "./db.ts";
import { SqlLog } from "./sql_log.ts";
import { SqlState } from "./sql_state.ts";

/** One pinned snapshot of the home, read through its own connection. */
export interface SnapshotReader extends Disposable {
  readonly db: Db;
  readonly state: SqlState;
  readonly log: SqlLog;
  /** End the read transaction and close the connection (idempotent). */
  close(): void;
}

/**
 * Open a second connection to the database at `path` and pin its snapshot
 * now: SQLite starts a deferred transaction's snapshot at its first read,
 * so one is made here, not when the caller first reads (by then the main
 * connection may have committed more).
 */
export function openSnapshot(path: string, now: () => number): SnapshotReader {
  const db = openReadOnly(path);
  let parts: { state: SqlState; log: SqlLog };
  try {
    parts = guard(path, "read the mycel home", () => {
      db.exec("BEGIN");
      db.prepare("SELECT count(*) FROM seen").get();
      return { state: new SqlState(db), log: new SqlLog(db, now) };
    });
  } catch (e) {
    db.close();
    throw e;
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      db.exec("COMMIT");
    } catch {
      // nothing was written; the read transaction ends with the connection
    }
    db.close();
  };
  return { db, ...parts, close, [Symbol.dispose]: close };
}
