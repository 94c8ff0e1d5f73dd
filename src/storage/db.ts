/**
 * @module db
 * The home's SQLite database through `node:sqlite` (built into Deno): how it
 * is opened, the pragmas that make acknowledged writes durable, transactions,
 * and transactions (SQLite's errors become named MycelErrors in
 * storage_errors.ts).
 *
 * - WAL mode: readers never block the writer and never see half a change.
 * - `synchronous=FULL`: a transaction that committed survives power loss
 *   (what a command reports as done stays done). The one exception is a
 *   transaction that only stores what a peer can send again (a batch of a
 *   peer's entries: `refetchable`): it commits without its own fsync. WAL
 *   keeps a consistent prefix of transactions, so power loss can cost such a
 *   batch (fetched again next round) but never corrupts or reorders, and the
 *   next durable commit's fsync covers every frame before it.
 * - Writers use `BEGIN IMMEDIATE`, waiting for another process's write up to
 *   the busy timeout, so concurrent commands queue instead of failing; when
 *   the wait expires the error says so. The wait is on a timer, never in
 *   SQLite's busy handler, which would block the thread (lock_wait.ts): a
 *   `sync serve --listen` waiting to store one session's entries goes on
 *   answering the others.
 * - Switching a new file to WAL is a step SQLite may refuse without waiting (see
 *   {@link switchToWal}): it is tried again the same way.
 * - A home on a read-only file system still opens for reading (`immutable`).
 * - A new database file is created 0600 before SQLite opens it: SQLite would
 *   create it 0644 (less the umask), and gives its `-wal` and `-shm` files
 *   the database file's mode, so all three stay private.
 */

import { DatabaseSync } from "node:sqlite";
import { MycelError } from "../errors.ts";
import { BUSY_TIMEOUT_MS, isSqliteFailure, sqliteError } from "./storage_errors.ts";
import { beginWrite, restoreDurable, whenNotBusy } from "./lock_wait.ts";

/**
 * The size the write-ahead log is cut back to (bytes) once a checkpoint has
 * moved all of it into the database and a writer starts it again. SQLite
 * otherwise keeps a WAL file at the largest size it ever reached: one grown
 * by hundreds of MB while a long read held its snapshot (a cut of the state
 * for a peer: snapshot_reader.ts) stayed that size on disk. 16 MiB is four
 * times what SQLite's automatic checkpoint lets it reach (1000 pages of 4
 * KiB), so in ordinary use it never shrinks and grows again.
 */
export const WAL_SIZE_LIMIT = 16 << 20;

/** An open database. */
export type Db = DatabaseSync;

/**
 * Open the database at `path` for reading and writing, creating it (mode
 * 0600) if needed. Asynchronous only for {@link switchToWal}'s pauses.
 */
export async function openWritable(path: string): Promise<Db> {
  try {
    // SQLite gives its -wal and -shm files the main file's mode: create it private.
    Deno.openSync(path, { createNew: true, write: true, mode: 0o600 }).close();
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) {
      throw sqliteError(e, "open the mycel home", path);
    }
  }
  const started = performance.now();
  let db: Db | undefined;
  try {
    db = new DatabaseSync(
      path,
      { timeout: BUSY_TIMEOUT_MS } as ConstructorParameters<typeof DatabaseSync>[1],
    );
    await switchToWal(db, started);
    db.exec(
      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;" +
        " PRAGMA trusted_schema=OFF; PRAGMA cell_size_check=ON;" +
        ` PRAGMA journal_size_limit=${WAL_SIZE_LIMIT};`,
    );
    return db;
  } catch (e) {
    db?.close();
    // SQLite says only "unable to open"; the file system says why.
    try {
      Deno.openSync(path, { write: true }).close();
    } catch (fs) {
      const named = sqliteError(fs, "open the mycel home", path);
      if (named instanceof MycelError) throw named;
    }
    throw sqliteError(e, "open the mycel home", path, performance.now() - started);
  }
}

/**
 * Put `db` in WAL mode (a setting of the file, kept once made). On a file
 * not yet in WAL mode (a new one) the switch reads the header, then
 * rewrites it: a read lock raised to a write lock, which SQLite refuses at
 * once, without its busy handler, while another connection holds the
 * write lock, since waiting for it could deadlock (sqlite.org/c3ref/busy_handler.html).
 * Two commands opening a new home together meet exactly that: one switches
 * the file while the other has just read it, and the other fails with
 * "database is locked" after a millisecond, not after the busy timeout.
 * So a switch refused as busy is tried again after a short pause, within
 * the busy timeout from `started` (lock_wait.ts: the pauses never block the
 * thread). On a file already in WAL mode the switch only reads.
 */
async function switchToWal(db: Db, started: number): Promise<void> {
  await whenNotBusy(db, () => db.exec("PRAGMA journal_mode=WAL"), { started });
}

/**
 * Open the database at `path` for reading. On a read-only file system, where
 * SQLite cannot create its shared-memory file, it opens as immutable.
 */
export function openReadOnly(path: string): Db {
  const options = { readOnly: true, timeout: BUSY_TIMEOUT_MS } as ConstructorParameters<
    typeof DatabaseSync
  >[1];
  const open = () => {
    const db = new DatabaseSync(path, options);
    try {
      db.exec("PRAGMA query_only=ON;");
      db.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get();
      return db;
    } catch (e) {
      db.close();
      throw e;
    }
  };
  let first: unknown;
  try {
    return open();
  } catch (e) {
    first = e;
  }
  const why = first instanceof Error ? first.message : "";
  if (/readonly|read-only/i.test(why)) {
    // A writer killed mid-transaction leaves a write-ahead log whose index a
    // read-only connection may not rebuild (SQLITE_READONLY_RECOVERY): one
    // brief read-write open recovers it, then we read as usual.
    try {
      const w = new DatabaseSync(
        path,
        { timeout: BUSY_TIMEOUT_MS } as ConstructorParameters<
          typeof DatabaseSync
        >[1],
      );
      try {
        w.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get();
      } finally {
        w.close();
      }
      return open();
    } catch {
      // a read-only file system: read the file as it is, below
    }
  } else if (!/unable to open database file/i.test(why)) {
    throw sqliteError(first, "open the mycel home", path);
  }
  try {
    const uri = `file:${encodeURI(path).replaceAll("?", "%3F").replaceAll("#", "%23")}?immutable=1`;
    const db = new DatabaseSync(uri, options);
    db.prepare("SELECT 1 FROM sqlite_master LIMIT 1").get();
    return db;
  } catch (e) {
    throw sqliteError(e, "open the mycel home", path);
  }
}

/**
 * Run `fn` in one write transaction (`BEGIN IMMEDIATE`): everything it does
 * commits together or not at all. Nesting is refused. `refetchable`: the
 * transaction only stores what a peer would send again, so its commit skips
 * the fsync (see the module comment); durable again afterwards.
 */
export async function inTransaction<T>(
  db: Db,
  path: string,
  fn: () => Promise<T> | T,
  o: { refetchable?: boolean } = {},
): Promise<T> {
  const started = performance.now();
  try {
    // Waits for another process's write on a timer, not in SQLite (lock_wait.ts).
    await beginWrite(db, { started, ...(o.refetchable ? { synchronous: "NORMAL" } : {}) });
  } catch (e) {
    throw sqliteError(e, "start a change", path, performance.now() - started);
  }
  try {
    const result = await fn();
    db.exec("COMMIT");
    return result;
  } catch (e) {
    try {
      db.exec("ROLLBACK");
    } catch {
      // SQLite already rolled back (e.g. after SQLITE_FULL)
    }
    // Only SQLite's own failures are about the database file; whatever else
    // the change did and failed at (a folder's marker, say) keeps its own
    // error, or it would blame the home ("permission denied (…/mycel.db)").
    throw isSqliteFailure(e) ? sqliteError(e, "save change", path) : e;
  } finally {
    if (o.refetchable) restoreDurable(db);
  }
}

/** Guard used by every statement runner: SQLite errors become named errors. */
export function guard<T>(path: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw sqliteError(e, action, path);
  }
}
