/**
 * @module slow_receiver_test
 * A receiver slower than the read deadline over what is still in the
 * socket buffers does not fail the round: the sender's wait for its `ack`
 * counts from the last sign of life and grows with what may still be
 * unread (src/sync/patient_receive.ts). Real processes: `sync serve`
 * receives 24,000 entries (about 8 MB, more than one transaction of its)
 * and is stopped (SIGSTOP) for 8 s right after its first commit, as a
 * device busy with something else would be; `sync now --timeout 5` must
 * still end synced. Before, it failed "no data within 5s" although the
 * receiver went on to hold every entry.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import { openReadOnly } from "../../src/storage/db.ts";
import { homePaths } from "../../src/storage/home.ts";
import { describe } from "../helpers/mycel.ts";
import { sleep } from "../helpers/process.ts";
import { appendBulk, devices } from "./_helpers.ts";

const BACKLOG = 24_000;

/** Entries of `author` the home at `home` holds (read straight from its database). */
function held(home: string, author: string): number {
  const db = openReadOnly(homePaths(home).db);
  try {
    const row = db.prepare("SELECT count(*) AS n FROM entries WHERE author = ?")
      .get(DeviceKey.fromId(author).bytes) as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

Deno.test("a receiver busy for longer than the read deadline after its first commit: the round still ends synced, every entry held", async () => {
  await using devs = await devices(["big", "small"]);
  const [big, small] = devs.list;
  await devs.peer(big, small);
  await small.serve();
  await big.syncAll(); // both hold each other's first entries
  await small.stopServer();
  await appendBulk(big.home, BACKLOG, { keys: BACKLOG, valueBytes: 200, prefix: "backlog" });
  const base = held(small.home, big.id);
  const server = await small.serve();
  const args = ["sync", "now", "--json", "--timeout", "5"];
  const round = big.tmp.spawn(args);
  let stopped = false;
  try {
    const until = performance.now() + 120_000;
    while (held(small.home, big.id) === base && !round.exited && performance.now() < until) {
      await sleep(3);
    }
    assert.ok(held(small.home, big.id) < base + BACKLOG, "the receiver had more to take in");
    Deno.kill(server.pid, "SIGSTOP");
    stopped = true;
    await sleep(8_000); // past the 5 s read deadline
  } finally {
    if (stopped) Deno.kill(server.pid, "SIGCONT");
  }
  const r = await round.result();
  assert.equal(r.code, 0, describe(args, r));
  const [o] = JSON.parse(r.stdout) as { status: string; sent: number }[];
  assert.equal(o.status, "synced", r.stdout);
  assert.equal(o.sent, BACKLOG);
  assert.equal(held(small.home, big.id), base + BACKLOG);
});
