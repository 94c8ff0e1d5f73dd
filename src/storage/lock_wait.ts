/**
 * @module lock_wait
 * Waiting for the home's write lock without blocking the process. SQLite's
 * busy handler (the busy timeout) sleeps inside the one JS thread: while
 * another process holds the lock (a command's change, a timer's round),
 * everything else this process does stops with it. In a `sync serve
 * --listen` that is every other session, the accept loop, handshakes and
 * read deadlines, for up to the whole busy timeout (measured: a second
 * peer's round timed out, "no data within 10s", while the first waited to
 * store its entries). So a step SQLite may refuse as busy (`BEGIN
 * IMMEDIATE`, the switch to WAL in db.ts) is tried with SQLite's wait off,
 * and tried again after a pause on a timer (1 ms, doubling to 10 ms, each
 * drawn between half and all of that) until the same limit as the busy
 * timeout; then SQLite's busy error, which the caller names as before
 * (storage_errors.ts). Against a writer holding the lock 5 ms with 1 ms
 * free between (SQLite's busy handler, 60 takes each, load 6-7): pauses up
 * to a fixed 50 ms waited p90 125-291 ms, max 439-543; these 64-65 ms,
 * max 87-203; SQLite's own wait 80-130 ms, max 835-1,339 (docs/benchmarks.md).
 *
 * The pauses let other work of the process run, and with it maybe other
 * use of the same connection. Reads are welcome; another transaction is
 * not: a connection that is already in one, or already waiting for the
 * lock, refuses to begin a change (Home queues its writes: home_writes.ts).
 * SQLite's wait is off only inside each try, so other statements of the
 * connection keep the usual busy timeout.
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { MycelError } from "../errors.ts";
import { isBusy } from "./storage_errors.ts";

/** The longest pause between two tries (ms). */
export const MAX_PAUSE_MS = 10;

/** Connections waiting for the write lock now. */
const waiting = new WeakSet<DatabaseSync>();

/** Each connection's statement reading its busy timeout (prepared once: every write reads it). */
const timeouts = new WeakMap<DatabaseSync, StatementSync>();

/** The busy timeout set on `db` (ms). */
export function busyTimeout(db: DatabaseSync): number {
  let read = timeouts.get(db);
  if (read === undefined) timeouts.set(db, read = db.prepare("PRAGMA busy_timeout"));
  return Number((read.get() as { timeout: number }).timeout);
}

/**
 * Run `step` until SQLite stops refusing it as busy, pausing on a timer
 * between tries (see the module doc). `limitMs`: how long in all, counted
 * from `started` (default: the connection's busy timeout, from now).
 * Throws SQLite's busy error past the limit, and any other error at once.
 */
export async function whenNotBusy<T>(
  db: DatabaseSync,
  step: () => T,
  o: { limitMs?: number; started?: number } = {},
): Promise<T> {
  const started = o.started ?? performance.now();
  const usual = busyTimeout(db);
  const limit = o.limitMs ?? usual;
  for (let pause = 1;; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    let refused: unknown;
    db.exec("PRAGMA busy_timeout=0");
    try {
      return step();
    } catch (e) {
      refused = e;
    } finally {
      restoreTimeout(db, usual); // before the pause: other statements wait as usual
    }
    const left = limit - (performance.now() - started);
    if (!isBusy(refused) || left <= 0) throw refused;
    // The last pause ends at the limit, for one last try there.
    // Drawn between half the pause and all of it: a fixed pause can keep
    // landing in the same phase of a writer that retakes the lock on a beat.
    const drawn = pause / 2 + Math.random() * (pause / 2);
    await new Promise((resolve) => setTimeout(resolve, Math.min(drawn, left)));
  }
}

/**
 * Begin a write transaction on `db` (`BEGIN IMMEDIATE`), waiting for the
 * write lock as {@link whenNotBusy} does. `synchronous`: set just before
 * each try (SQLite refuses to change it inside a transaction) and put back
 * to FULL when a try fails; the caller puts it back after the transaction.
 */
export async function beginWrite(
  db: DatabaseSync,
  o: { limitMs?: number; started?: number; synchronous?: "NORMAL" } = {},
): Promise<void> {
  if (db.isTransaction || waiting.has(db)) {
    throw new MycelError(
      "internal",
      "start a change",
      db.isTransaction
        ? "this connection is in a transaction already"
        : "another change of this process is waiting for the home's lock on this connection",
    );
  }
  waiting.add(db);
  try {
    await whenNotBusy(db, () => {
      if (o.synchronous !== undefined) db.exec(`PRAGMA synchronous=${o.synchronous}`);
      try {
        db.exec("BEGIN IMMEDIATE");
      } catch (e) {
        if (o.synchronous !== undefined) restoreDurable(db);
        throw e;
      }
    }, o);
  } finally {
    waiting.delete(db);
  }
}

/** Back to durable commits (db.ts: `synchronous=FULL`). */
export function restoreDurable(db: DatabaseSync): void {
  try {
    db.exec("PRAGMA synchronous=FULL");
  } catch {
    // only fails on a closed database, which has nothing left to commit
  }
}

function restoreTimeout(db: DatabaseSync, ms: number): void {
  try {
    db.exec(`PRAGMA busy_timeout=${ms}`);
  } catch {
    // only fails on a closed database
  }
}
