/**
 * @module first_messages
 * First handshake messages this home's `sync serve --stdio` processes have
 * taken from members, by the initiator's ephemeral key, so that a replay
 * taken by one process is refused by the next (under socket activation every
 * connection is a process of its own; replay_guard.ts is the one-process
 * memory of `sync serve --listen`). Local, never replicated; the table is
 * made on first use, and a repair that rebuilds the database starts it anew.
 *
 * A row is written only for a handshake that passed, from a key admitted as
 * a member (or a removed device's, at most once a minute each, with its
 * count: src/sync/removed_tries.ts): a stranger cannot produce one, so
 * strangers cost no disk write.
 * Taking is one short write transaction (prune, then insert unless present):
 * two processes racing with the same replay, exactly one inserts.
 *
 * Kept {@link KEEP_MS}: an honest initiator makes a fresh ephemeral key for
 * every handshake, so no honest handshake ever meets its own row, however
 * long rows are kept; the bound only says how long a recorded message stays
 * refused. Past it a replay is answered as a live member's handshake, and
 * then holds its process until the `hi` deadline: what any idle connection
 * already costs. Rows at the default 30 s round interval: 2,880 a peer a day.
 *
 * Never in a member's way: the transaction waits at most {@link TAKE_WAIT_MS}
 * for another process's write (not the busy timeout: the memory is worth a
 * short wait only, and the handshake's deadline runs meanwhile), on a timer
 * like every write's (lock_wait.ts: the process's other work goes on), and
 * skips the fsync (losing the last rows to a power cut lets their replays be
 * answered once more, nothing else); when it cannot be written, the message
 * counts as new (the session goes on, as it did before this memory existed).
 */

import type { Db } from "./db.ts";
import { beginWrite, restoreDurable } from "./lock_wait.ts";

/** How long a taken first message is remembered (ms). */
export const KEEP_MS = 24 * 3600_000;

/** Longest wait for another process's write before the message counts as new (ms). */
export const TAKE_WAIT_MS = 1_000;

const DDL = `CREATE TABLE IF NOT EXISTS first_messages (key BLOB PRIMARY KEY, at INTEGER NOT NULL)
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS first_messages_by_at ON first_messages (at);
`;

/**
 * Take the first message with initiator ephemeral key `ephemeral` at `now`:
 * true when no process of this home took it in the last {@link KEEP_MS}
 * (or when that cannot be told, see the module comment), false for a replay.
 * The caller keeps other transactions of `db` out meanwhile (Home's write queue).
 * `alsoIfNew` runs in the same transaction when the message is new: what
 * else it writes commits with it, one write (a removed device's attempt,
 * src/sync/removed_tries.ts); when it throws, nothing is written.
 */
export async function takeFirstMessage(
  db: Db,
  ephemeral: Uint8Array,
  now: number,
  alsoIfNew?: () => void,
): Promise<boolean> {
  try {
    await beginWrite(db, { limitMs: TAKE_WAIT_MS, synchronous: "NORMAL" });
  } catch {
    return true;
  }
  try {
    // Made by the first take: a home never served this way has no such table.
    db.exec(DDL);
    db.prepare("DELETE FROM first_messages WHERE at < ?").run(now - KEEP_MS);
    const r = db.prepare(
      "INSERT INTO first_messages (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
    )
      .run(ephemeral, now);
    if (Number(r.changes) === 1) alsoIfNew?.();
    db.exec("COMMIT");
    return Number(r.changes) === 1;
  } catch {
    try {
      db.exec("ROLLBACK");
    } catch {
      // SQLite already rolled back
    }
    return true;
  } finally {
    restoreDurable(db);
  }
}
