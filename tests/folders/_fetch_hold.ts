/**
 * @module _fetch_hold
 * Catching a fetch in the act: a `sync now` held to a quarter of the CPU
 * until it writes a temporary file (or records a transfer), then stopped
 * there while a test edits the file it fetches (local_edit_test,
 * edit_during_fetch_test) or looks at what the devices say meanwhile
 * (status_fetched_test). Stopped only where it holds no write transaction
 * of its home: a process stopped inside one (each transfer recorded, for
 * milliseconds to tens of them) keeps every other process of the home — its
 * `sync serve`, which the test's other device then syncs with — waiting on
 * the lock, and that device's round fails after its 10 s deadline. A real
 * round is slow in its network waits and disk writes, which hold no lock
 * (DESIGN: network phase, then a short locked apply; commit_hold_test), so
 * a stop between transactions is the slow round these tests mean.
 */

import { TEMP_PREFIX } from "../../src/files/folder_layout.ts";
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { sleep } from "../helpers/process.ts";
import type { Device } from "./_helpers.ts";
import { writeLockHeld } from "../helpers/db_lock.ts";

/** Whether a file being assembled (`.mycel-tmp-*`) is in the folder at `root`. */
export function fetching(root: string): boolean {
  for (const e of Deno.readDirSync(root)) if (e.name.startsWith(TEMP_PREFIX)) return true;
  return false;
}

/**
 * Whether a write transaction holds the home at `home` (another connection's
 * `BEGIN IMMEDIATE` is refused at once).
 */
export function writeHeld(home: string): boolean {
  return writeLockHeld(homePaths(home).db);
}

/**
 * Hold process `pid` (of the home at `home`) to a quarter of the CPU until
 * it has started writing a file into `root`; return with the process
 * stopped (SIGSTOP) while it is, and while it holds no write transaction
 * (see the module comment), or false when it ended (or the deadline
 * passed) first.
 */
export async function stopWhileFetching(root: string, pid: number, home: string): Promise<boolean> {
  const deadline = Date.now() + 90_000;
  try {
    while (Date.now() < deadline) {
      Deno.kill(pid, "SIGSTOP");
      if (fetching(root) && !writeHeld(home)) return true;
      await sleep(45);
      Deno.kill(pid, "SIGCONT");
      await sleep(5);
    }
    Deno.kill(pid, "SIGCONT");
    return false;
  } catch {
    return false; // the process ended
  }
}

/** Rows of the `transfers` table of the home at `home` (files being fetched, resumable). */
export function transferCount(home: string): number {
  const db = new DatabaseSync(homePaths(home).db, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM transfers").get() as { n: number }).n;
  } catch {
    return 0; // no such table yet
  } finally {
    db.close();
  }
}

/**
 * Hold process `pid` to a tenth of the CPU until the home at `home` has
 * recorded a transfer in progress (a row comes after 16 MiB and 1 s of a
 * file: held to a quarter, a 64 MiB fetch ended before it in 1 run of 4);
 * return with the process stopped (SIGSTOP) then, holding no write
 * transaction (see the module comment), or false when it ended (or the
 * deadline passed) first.
 */
export async function stopOnceRecorded(home: string, pid: number): Promise<boolean> {
  const deadline = Date.now() + 90_000;
  try {
    while (Date.now() < deadline) {
      Deno.kill(pid, "SIGSTOP");
      if (transferCount(home) > 0 && !writeHeld(home)) return true;
      await sleep(45);
      Deno.kill(pid, "SIGCONT");
      await sleep(5);
    }
    Deno.kill(pid, "SIGCONT");
    return false;
  } catch {
    return false; // the process ended
  }
}

/**
 * Bytes of `path` that `fetcher` recorded as written and durable (its
 * `transfers` row: one bit per chunk, chunk i the i-th by offset), with
 * the chunk lengths from `maker`'s `chunk_locs` (it scanned the file).
 */
export function recordedDone(fetcher: Device, maker: Device, path: string): number {
  const open = (d: Device) => new DatabaseSync(homePaths(d.home).db, { readOnly: true });
  const fdb = open(fetcher), mdb = open(maker);
  try {
    const row = fdb.prepare("SELECT done FROM transfers WHERE path = ?").get(path) as
      | { done: Uint8Array }
      | undefined;
    assert.ok(row !== undefined, `no transfer of ${path} recorded`);
    const chunks = mdb.prepare(
      "SELECT offset, length FROM chunk_locs WHERE path = ? ORDER BY offset",
    ).all(path) as { offset: number; length: number }[];
    assert.equal(row.done.length, (chunks.length + 7) >> 3, "one bit per chunk of the file");
    let bytes = 0, at = 0;
    for (const [i, c] of chunks.entries()) {
      assert.equal(c.offset, at, "the chunks follow each other");
      at += c.length;
      if ((row.done[i >> 3] >> (i & 7)) & 1) bytes += c.length;
    }
    return bytes;
  } finally {
    fdb.close();
    mdb.close();
  }
}

export async function sameBytes(path: string, want: Uint8Array): Promise<boolean> {
  const got = await Deno.readFile(path).catch(() => undefined);
  return got !== undefined && got.length === want.length && got.every((x, i) => x === want[i]);
}
