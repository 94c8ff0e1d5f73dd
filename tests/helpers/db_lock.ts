/**
 * @module db_lock
 * Whether another process holds a home's database in a write transaction:
 * tests that a slow step (a key tool, a prompt, a fetch) runs with the home
 * unlocked probe it from their own connection.
 */

import { DatabaseSync } from "node:sqlite";

/** Whether a write transaction of another connection holds the database at `path` (no wait). */
export function writeLockHeld(path: string): boolean {
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec("ROLLBACK");
    return false;
  } catch (e) {
    if (/locked|busy/i.test((e as Error).message)) return true;
    throw e;
  } finally {
    db.close();
  }
}
