/**
 * @module lock_wait_test
 * Waiting for the home's write lock (src/storage/lock_wait.ts, through
 * db.ts `inTransaction` and Home's writes) leaves the process running: a
 * timer fires while a change waits for another connection's write, the
 * change begins once that write ends, gives up at the connection's busy
 * timeout with the same named error as before, and one connection never
 * begins two changes at once. Before, SQLite's busy handler slept in the
 * thread: no timer ran until the lock came free or the wait gave up.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { busyTimeout } from "../../src/storage/lock_wait.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { makeHome, tempDir } from "./helpers.ts";

/** Counts timer callbacks until stopped: how often the event loop turned. */
function ticker(): { stop(): number } {
  let n = 0;
  const id = setInterval(() => n++, 5);
  return {
    stop() {
      clearInterval(id);
      return n;
    },
  };
}

const synchronous = (db: DatabaseSync) =>
  Number((db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous);

Deno.test("a change waiting for another connection's write lets timers run, and begins once that write ends", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/mycel.db`;
  const holder = await openWritable(path);
  const waiter = await openWritable(path);
  try {
    holder.exec("CREATE TABLE t (x)");
    // A wait long enough that, blocking the thread, it would give up before
    // the timer that releases the holder could run.
    waiter.exec("PRAGMA busy_timeout=3000");
    holder.exec("BEGIN IMMEDIATE");
    const ticks = ticker();
    // Released by a timer: only runs if the wait below lets the event loop turn.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const released = new Promise<number>((resolve) =>
      timer = setTimeout(() => {
        holder.exec("INSERT INTO t VALUES (1); COMMIT");
        resolve(ticks.stop());
      }, 300)
    );
    try {
      await inTransaction(waiter, path, () => waiter.exec("INSERT INTO t VALUES (2)"), {
        refetchable: true,
      });
    } finally {
      clearTimeout(timer);
      ticks.stop();
    }
    assert.ok(await released > 0, "timers ran while the change waited");
    const rows = waiter.prepare("SELECT x FROM t ORDER BY x").all().map((r) => r.x);
    assert.deepEqual(rows, [1, 2], "the holder's write first, then the waiter's");
    assert.equal(busyTimeout(waiter), 3000, "the connection's own wait is back");
    assert.equal(synchronous(waiter), 2, "durable commits again (FULL)");
  } finally {
    holder.close();
    waiter.close();
  }
});

Deno.test("a change still refused at the connection's busy timeout gives up with the named busy error, having let timers run", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/mycel.db`;
  const holder = await openWritable(path);
  const waiter = await openWritable(path);
  try {
    holder.exec("BEGIN IMMEDIATE");
    waiter.exec("PRAGMA busy_timeout=400");
    const ticks = ticker();
    const t0 = performance.now();
    const e = await assertRejectsMycel(
      inTransaction(waiter, path, () => {}, { refetchable: true }),
      "busy",
    );
    const waited = performance.now() - t0;
    assert.ok(ticks.stop() > 0, "timers ran while the change waited");
    assert.ok(waited >= 390, `gave up after ${waited.toFixed(0)} ms, before the limit`);
    assert.match(
      e.message,
      /^Cannot start a change: another mycel command kept the home locked \(gave up after 0\.\d s\) \(/,
    );
    assert.equal(waiter.isTransaction, false);
    assert.equal(busyTimeout(waiter), 400);
    assert.equal(synchronous(waiter), 2, "a refetchable change that never began leaves FULL");
    holder.exec("ROLLBACK");
    await inTransaction(waiter, path, () => waiter.exec("CREATE TABLE t (x)"));
  } finally {
    holder.close();
    waiter.close();
  }
});

Deno.test("one connection never begins a second change while its first waits for the lock; reads go on", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/mycel.db`;
  const holder = await openWritable(path);
  const waiter = await openWritable(path);
  try {
    waiter.exec("CREATE TABLE t (x); INSERT INTO t VALUES (0)");
    waiter.exec("PRAGMA busy_timeout=2000");
    holder.exec("BEGIN IMMEDIATE");
    const first = inTransaction(waiter, path, () => waiter.exec("INSERT INTO t VALUES (1)"));
    first.catch(() => {}); // awaited below
    await new Promise((r) => setTimeout(r, 50)); // the first is waiting now
    assert.equal(waiter.isTransaction, false, "no transaction is open while it waits");
    assert.deepEqual(waiter.prepare("SELECT x FROM t").all().map((r) => r.x), [0], "reads go on");
    await assertRejectsMycel(
      inTransaction(waiter, path, () => waiter.exec("INSERT INTO t VALUES (2)")),
      "internal",
    );
    holder.exec("ROLLBACK");
    await first;
    assert.deepEqual(waiter.prepare("SELECT x FROM t ORDER BY x").all().map((r) => r.x), [0, 1]);
  } finally {
    holder.close();
    waiter.close();
  }
});

Deno.test("a home's writes asked for together while another process holds its lock commit one after another, in order", async () => {
  await using h = await makeHome();
  using home = await h.writer();
  const other = new DatabaseSync(h.paths.db);
  try {
    other.exec("BEGIN IMMEDIATE");
    const order: number[] = [];
    const writes = [1, 2, 3].map((n) =>
      home.write(() => {
        order.push(n); // inside its transaction: the lock is this handle's
        assert.equal(other.isTransaction, false);
      })
    );
    const ticks = ticker();
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(order, [], "none began while the lock was held");
    other.exec("ROLLBACK");
    await Promise.all(writes);
    assert.ok(ticks.stop() > 0);
    assert.deepEqual(order, [1, 2, 3]);
  } finally {
    other.close();
  }
});
