/**
 * @module cut_serves_others_test
 * A `sync serve --listen` (one process, many sessions) cutting its state into
 * a checkpoint in parts for one peer keeps answering its other peers: the cut
 * reads a snapshot through a connection of its own and yields between parts
 * (storage/parts_spool.ts, storage/snapshot_reader.ts). Before, it ran in one
 * piece, queued with the process's writes: a large state took 10.8-11.6 s,
 * and meanwhile the serve accepted nobody, answered no handshake, and other
 * peers' rounds ended with "no data within Ns".
 *
 * Real processes on 127.0.0.1: beta is behind a compaction of alpha's state
 * (tests/sync/_parts_behind.ts), so alpha's serve cuts its state into parts
 * for it, slowed through MYCEL_TEST_CUT_PAUSE_MS (a pause after each part) and
 * made in small parts through MYCEL_TEST_CHECKPOINT_BYTES. The cut is seen
 * from outside through the serve's spool: a deleted `.parts-out-` file it
 * holds open from the cut's start until the parts are sent, growing by a
 * part at a time while it is cut (/proc/PID/fd).
 */

import assert from "node:assert/strict";
import type { SyncLineJson } from "../helpers/mycel.ts";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import { device, pair } from "../pairing/_helpers.ts";
import { behindCompaction } from "./_parts_behind.ts";
import { spoolSize, until } from "./_spool.ts";

const PART_BYTES = 256 << 10;

function outcome(stdout: string, name: string): SyncLineJson | undefined {
  return (JSON.parse(stdout) as SyncLineJson[]).find((o) => o.name === name);
}

Deno.test("a sync serve cutting its state into parts for one peer answers another peer's round meanwhile and commits its entries, and the checkpoint it sends is still the one state it began cutting", async () => {
  if (Deno.build.os !== "linux") {
    console.log("skipped: the cut is seen through /proc/PID/fd (Linux only)");
    return;
  }
  await using a = await device("alpha");
  await using b = await device("beta");
  await using c = await device("gamma");
  await behindCompaction(a, b, 30, 4000);
  await pair(a.t, c.t, "gamma");
  await a.t.ok(["--no-sync", "pref", "set", "from.alpha", "1"]);
  await c.t.ok(["--no-sync", "pref", "set", "from.gamma", "1"]);
  const before = (await a.status()).state_digest;
  // About 5 parts of 256 KiB, 2 s each to cut: about 10 s.
  a.t.defaults.env = {
    ...a.t.defaults.env,
    [PART_KNOB]: String(PART_BYTES),
    MYCEL_TEST_CUT_PAUSE_MS: "2000",
  };
  const server = await a.serve();
  await using behind = b.t.spawn(["sync", "now", "--json", "--timeout", "3"]);
  const cutBegun = await until("the serve to begin cutting", () => spoolSize(server.pid));

  // Gamma's round, read deadline 3 s, while alpha cuts for beta.
  const other = await c.t.run(["sync", "now", "--json", "--timeout", "3"]);
  const cutThen = await spoolSize(server.pid);
  const shown = `${other.stderr}\n${other.stdout}\nserve:\n${server.stderr}`;
  const withAlpha = outcome(other.stdout, "alpha");
  assert.equal(withAlpha?.status, "synced", shown);
  // Exit 3 only for beta, which gamma knows of (alpha admitted it) but has
  // no endpoint for: nothing was dialled.
  assert.equal(outcome(other.stdout, "beta")?.code, "endpoint_unknown", shown);
  assert.equal(other.code, 3, shown);
  assert.ok(withAlpha.received >= 1, `gamma received alpha's entry: ${other.stdout}`);
  assert.ok(withAlpha.sent >= 1, `gamma sent its own: ${other.stdout}`);
  assert.ok(!behind.exited, "beta's round was still going when gamma's was done");
  assert.doesNotMatch(server.stderr, /synced with beta/, "alpha was not done with beta");
  assert.ok(cutThen !== undefined, "alpha still held beta's parts");

  // The cut went on after gamma's round: the spool grew past what it held then.
  let cutEnd = cutThen;
  for (let s = await spoolSize(server.pid); s !== undefined; s = await spoolSize(server.pid)) {
    cutEnd = Math.max(cutEnd, s);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(cutBegun <= cutThen && cutThen < cutEnd, `cut ${cutBegun} → ${cutThen} → ${cutEnd}`);

  const round = await behind.result();
  assert.equal(round.code, 0, `${round.stderr}\n${round.stdout}\nserve:\n${server.stderr}`);
  assert.equal(outcome(round.stdout, "alpha")?.checkpoint.received, true, round.stdout);
  const lines = server.stderr.split("\n");
  const gammaAt = lines.findIndex((l) => /synced with gamma/.test(l));
  const betaAt = lines.findIndex((l) => /synced with beta .*our state in \d+ parts/.test(l));
  assert.ok(0 <= gammaAt && gammaAt < betaAt, server.stderr);

  // Beta got the state alpha began cutting: without gamma's entry, which
  // alpha committed meanwhile; a further round brings it.
  assert.equal((await b.status()).state_digest, before, "beta holds the state as it was cut");
  const after = (await a.status()).state_digest;
  assert.notEqual(after, before, "alpha took gamma's entry during the cut");
  assert.equal((await a.t.ok(["--no-sync", "pref", "get", "from.gamma"])).stdout.trim(), "1");
  const again = await b.syncNow();
  const withAlphaAgain = again.outcomes.find((o) => o.name === "alpha");
  assert.equal(withAlphaAgain?.status, "synced", again.raw.stdout); // gamma: no endpoint, as above
  assert.equal((await b.status()).state_digest, after);
  assert.equal((await b.t.ok(["--no-sync", "pref", "get", "from.gamma"])).stdout.trim(), "1");
});
