/**
 * @module resume_test
 * Long transfers are cut into what each session can carry, and what a
 * session stored stays stored:
 * - kill -9 of either side in the middle of a transfer of many thousand
 *   entries (made in-process with appendBulk, one distinct key each so the
 *   sender streams entries rather than a checkpoint): the receiver keeps
 *   every batch it committed, and the next round sends exactly the rest —
 *   nothing lost, nothing sent twice — and both sides converge. The killed
 *   sender has stopped short (MYCEL_TEST_SEND_STALL, test only) past the
 *   receiver's first transaction: a sender that streams freely is megabytes
 *   ahead of the receiver in the socket buffers, which still deliver after
 *   the kill, and a backlog that fits them arrived whole (see below);
 * - a session budget smaller than the backlog (MYCEL_SESSION_BUDGET on the
 *   sending side, both directions at once): each round stops near the
 *   budget and says "more next round", the next rounds continue, and the
 *   last one completes.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import { openReadOnly } from "../../src/storage/db.ts";
import { homePaths } from "../../src/storage/home.ts";
import { HOLD_ENTRIES } from "../../src/storage/ingest_stream.ts";
import { describe, type MycelProcess } from "../helpers/mycel.ts";
import { sleep } from "../helpers/process.ts";
import { appendBulk, type Device, devices } from "./_helpers.ts";

type Victim = "sync now (the sender)" | "sync serve (the receiver)";

/**
 * Entries `big` has that `small` lacks, per victim. A killed sender still
 * delivers what it had handed to its socket, and that is not bounded by the
 * receiver: on loopback (Linux 6.18, whose tcp_rmem lets a receive buffer
 * grow to 32 MiB) the two socket buffers held 7.4 MB at the receiver's
 * first commit, and 1.8 s later the sender had written all of 48,000
 * entries (18.7 MB), so a kill later than that, as on a loaded machine,
 * found the transfer over (the receiver itself stops reading while it
 * commits; it is not what ran ahead). So the sender stops short after STALL
 * entries, past one transaction of the receiver's (HOLD_ENTRIES) so that
 * it commits one, and the kill lands mid-transfer however late it comes.
 * Killing the receiver needs no such help: after its first transaction it
 * has two more to go, and the kill is checked against what it committed.
 */
const BACKLOG: Record<Victim, number> = {
  "sync now (the sender)": 24_000,
  "sync serve (the receiver)": 48_000,
};
const STALL = HOLD_ENTRIES + 2_000;

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

/** Wait until `receiver` holds more than `base` entries of `author` (or `p` exits); returns the count. */
async function receiving(receiver: Device, author: string, base: number, p: MycelProcess) {
  const deadline = performance.now() + 60_000;
  while (!p.exited && performance.now() < deadline) {
    const n = held(receiver.home, author);
    if (n > base) return n;
    await sleep(3);
  }
  return held(receiver.home, author);
}

/** Two peered devices; `big` has `n` entries more than `small` has of it. */
async function backlog(names: [string, string], n: number) {
  const devs = await devices(names);
  try {
    const [big, small] = devs.list;
    await devs.peer(big, small);
    await small.serve();
    await big.syncAll(); // both hold each other's first entries
    await small.stopServer();
    await appendBulk(big.home, n, { keys: n, valueBytes: 200, prefix: "backlog" });
    return devs;
  } catch (e) {
    await devs[Symbol.asyncDispose]();
    throw e;
  }
}

/** Kill `victim` once the receiver committed its first batch, then resume. */
async function killMidTransfer(victim: Victim): Promise<void> {
  const sender = victim === "sync now (the sender)";
  await using devs = await backlog(["big", "small"], BACKLOG[victim]);
  const [big, small] = devs.list;
  const total = (await big.status()).log.heads[big.id].seq;
  const base = held(small.home, big.id);
  assert.equal(total - base, BACKLOG[victim]);

  const server = await small.serve();
  const from = server.stderr.length;
  const env: Record<string, string> = sender ? { MYCEL_TEST_SEND_STALL: String(STALL) } : {};
  const round = big.tmp.spawn(["sync", "now", "--json", "--timeout", "10"], { env });
  const seen = await receiving(small, big.id, base, round);
  assert.ok(seen < total, `the transfer finished (${seen}/${total}) before the kill`);
  if (sender) {
    assert.ok(round.kill("SIGKILL"), "sync now was still running");
    await round.result();
    // The server notices the hang-up and ends the session; what it committed stays.
    const end = await server.waitFor(/^(failed|synced with) big \(/m, {
      stream: "stderr",
      from,
      timeoutMs: 20_000,
    });
    assert.equal(end[1], "failed", server.stderr.slice(from));
    assert.ok(held(small.home, big.id) - base <= STALL, "no more than the sender sent arrived");
  } else {
    assert.ok(server.kill("SIGKILL"), "the server was still running");
    await small.killServer();
    const r = await round.result();
    assert.notEqual(r.code, 0, describe(["sync", "now"], r));
  }
  const kept = held(small.home, big.id);
  assert.ok(
    kept > base && kept < total,
    `${kept - base} of ${BACKLOG[victim]} arrived before the kill`,
  );
  // Both homes still load and hold no fork.
  for (const d of [big, small]) assert.deepEqual((await d.status()).forks, []);

  // The next round: exactly what is missing, then both agree. Its read
  // deadline is a minute: the sender hands the rest to the socket buffers
  // (megabytes), then waits for the ack, which the receiver sends only once
  // it took all of that in; on a loaded machine (a receiver taking in
  // about 1 MB/s) that passed 10 s, and the round failed "no data within
  // 10s" with every entry delivered.
  if (small.server === undefined) await small.serve();
  const next = await big.syncNow([], 60);
  assert.equal(next.result.code, 0, describe(["sync", "now"], next.result));
  assert.equal(next.of(small).sent, total - kept, "the next round resumes, it does not restart");
  assert.equal(held(small.home, big.id), total);
  await devs.assertConverged();
  const [lb, ls] = await Promise.all([big.log(), small.log()]);
  assert.deepEqual(ls.map((e) => e.hash), lb.map((e) => e.hash));
}

for (const victim of ["sync now (the sender)", "sync serve (the receiver)"] as const) {
  Deno.test(`kill -9 of ${victim} mid-transfer: the next round sends exactly the rest`, async () => {
    await killMidTransfer(victim);
  });
}

Deno.test("a session budget smaller than the backlog: rounds say 'more next round' until the last completes", async () => {
  const BUDGET = 400_000; // bytes of entries one session sends
  const N = 4000; // about 1.4 MB of entries each way
  await using devs = await devices(["left", "right"]);
  const [left, right] = devs.list;
  await devs.peer(left, right);
  await appendBulk(left.home, N, { keys: N, valueBytes: 200, prefix: "left" });
  await appendBulk(right.home, N, { keys: N, valueBytes: 200, prefix: "right" });
  const env = { MYCEL_SESSION_BUDGET: String(BUDGET) };
  await right.serve(10, { env }); // right's sending is bounded too
  const entryBytes = 330; // about: a 200-byte value, a key, a stamp and a signature

  let sent = 0, received = 0, rounds = 0;
  for (;; rounds++) {
    assert.ok(rounds < 20, "the rounds never completed");
    const r = await left.run(["sync", "now", "--json", "--timeout", "10"], { env });
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    const [o] = JSON.parse(r.stdout) as { sent: number; received: number; more: boolean }[];
    sent += o.sent;
    received += o.received;
    // A session stops at its budget: at most one entry past it.
    assert.ok(o.sent * entryBytes < BUDGET * 1.5, `sent ${o.sent} in one session`);
    assert.ok(o.received * entryBytes < BUDGET * 1.5, `received ${o.received} in one session`);
    if (!o.more) break;
    if (rounds === 0) {
      // The person sees it too.
      const text = await left.run(["sync", "now", "--timeout", "10"], { env });
      assert.match(
        text.stdout,
        /^right \([A-Z0-9]{7}\): synced: sent \d+ entries, received \d+ entries via direct .* \(more next round\)$/m,
      );
      const [s, r2] = text.stdout.match(/sent (\d+) entries, received (\d+) entries/)!.slice(1).map(
        Number,
      );
      sent += s;
      received += r2;
      rounds++;
    }
  }
  assert.ok(
    rounds >= 3,
    `${rounds + 1} rounds for about ${(N * entryBytes / 1e6).toFixed(1)} MB each way`,
  );
  // Each log also holds its device's first entry and its admission of the other.
  assert.equal(sent, N + 2, "every entry of left's log went, once");
  assert.equal(received, N + 2, "every entry of right's log came, once");
  await devs.assertConverged();
});
