/**
 * @module whole_checkpoint_serves_others_test
 * A `sync serve --listen` making a whole checkpoint for a peer whose `hi`
 * does not say it takes parts (an earlier release, or a member leaving the
 * ability out: a member can make us make one at will) keeps answering its
 * other peers: the checkpoint is made a step at a time from a snapshot of
 * its own (storage/whole_checkpoint.ts), the event loop turning between
 * steps. Before, it was made in one piece inside the write queue (up to 64
 * MiB: seconds on a loaded machine), and meanwhile the serve accepted
 * nobody and answered no handshake. Only one is made at a time (the cut
 * gate, sync/cut_gate.ts): another peer without parts asking meanwhile is
 * told `busy`.
 *
 * A peer that hangs up stops the making at its next step (the session's
 * signal), and is refused `busy` for the cool-down after.
 *
 * Real processes on 127.0.0.1 for alpha's serve and gamma; beta's rounds run
 * in this process as an earlier release (abilities 0), as in
 * catch_up_parts_test.ts. Alpha's state: 300 preferences of 62 kB (18.6 MB),
 * beta behind a compaction of it (tests/sync/_parts_behind.ts). The making
 * is slowed through MYCEL_TEST_CUT_PAUSE_MS (a wait after each step) and
 * seen from outside as the snapshot it holds meanwhile: a read transaction
 * (a lock on a read mark of the write-ahead log, /proc/locks).
 */

import assert from "node:assert/strict";
import type { SyncLineJson } from "../helpers/mycel.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { type Device, device, pair } from "../pairing/_helpers.ts";
import { behindCompaction, roundTo } from "./_parts_behind.ts";
import { holdsSnapshot, readTransactions, until } from "./_spool.ts";

/**
 * A round from beta's home in this process, its `hi` taking no parts
 * (abilities 0); `signal` hangs up (its connection closed at once).
 */
function roundWithoutParts(
  a: Device,
  b: Device,
  signal?: AbortSignal,
): Promise<SessionOutcome> {
  return roundTo(b, a, { tuning: { abilities: 0 }, timeoutMs: 60_000, signal });
}

function outcome(stdout: string, name: string): SyncLineJson | undefined {
  return (JSON.parse(stdout) as SyncLineJson[]).find((o) => o.name === name);
}

Deno.test("a sync serve making a whole checkpoint for a peer that takes no parts answers another peer's round meanwhile, and makes one such checkpoint at a time", async () => {
  if (Deno.build.os !== "linux") {
    console.log("skipped: the making is seen through /proc/PID/fd (Linux only)");
    return;
  }
  await using a = await device("alpha");
  await using b = await device("beta");
  await using c = await device("gamma");
  await behindCompaction(a, b, 30, 62_000);
  await pair(a.t, c.t, "gamma");
  await c.t.ok(["--no-sync", "pref", "set", "from.gamma", "1"]);
  // About 20 steps (a MiB each), half a second after each: about 10 s.
  a.t.defaults.env = { ...a.t.defaults.env, MYCEL_TEST_CUT_PAUSE_MS: "500" };
  const server = await a.serve();
  const behind = roundWithoutParts(a, b);
  await until(
    "the serve to begin beta's checkpoint",
    async () => (await holdsSnapshot(server.pid, a.t.home)) || undefined,
  );

  // Gamma's round, read deadline 3 s, while alpha makes beta's checkpoint.
  const other = await c.t.run(["sync", "now", "--json", "--timeout", "3"]);
  const makingThen = (await readTransactions(server.pid, a.t.home)) > 0;
  const shown = `${other.stderr}\n${other.stdout}\nserve:\n${server.stderr}`;
  const withAlpha = outcome(other.stdout, "alpha");
  assert.equal(withAlpha?.status, "synced", shown);
  assert.ok(withAlpha.sent >= 1, `gamma sent its own entry: ${other.stdout}`);
  assert.ok(makingThen, "alpha was still making beta's checkpoint when gamma's round ended");
  assert.doesNotMatch(server.stderr, /synced with beta/, "alpha was not done with beta");

  // A second round without parts meanwhile: one such checkpoint at a time.
  const second = await roundWithoutParts(a, b);
  assert.equal(second.status, "failed", JSON.stringify(second));
  assert.equal(second.code, "peer_busy", JSON.stringify(second));
  // Refused as the device being cut for now (cut_budget.ts: its own cut first).
  assert.match(second.error ?? "", /cut its state for this device|cutting its state/);

  const first = await behind;
  assert.equal(first.status, "synced", `${JSON.stringify(first)}\nserve:\n${server.stderr}`);
  assert.ok(first.exchange?.took !== undefined, "beta took alpha's checkpoint");
  const [line] = await server.waitFor(/synced with beta.*/, { stream: "stderr" });
  assert.doesNotMatch(line, /parts/);
  // Beta holds the state alpha's checkpoint was made of: without gamma's
  // entry, which alpha took in while it made it.
  assert.equal((await a.t.ok(["--no-sync", "pref", "get", "from.gamma"])).stdout.trim(), "1");
  assert.equal(
    (await b.t.run(["--no-sync", "pref", "get", "from.gamma"])).code !== 0,
    true,
    "beta's checkpoint is the state as alpha began to make it",
  );
});

Deno.test("a peer that takes no parts asking for a whole checkpoint and hanging up stops its making at the next step, and is refused busy if it asks again at once", async () => {
  if (Deno.build.os !== "linux") {
    console.log("skipped: the making is seen through /proc/PID/fd (Linux only)");
    return;
  }
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 30, 62_000);
  // About 20 steps, 2 s after each: about 40 s for the whole making.
  a.t.defaults.env = { ...a.t.defaults.env, MYCEL_TEST_CUT_PAUSE_MS: "2000" };
  const server = await a.serve();
  const hangUp = new AbortController();
  const asking = roundWithoutParts(a, b, hangUp.signal);
  await until(
    "the serve to begin beta's checkpoint",
    async () => (await holdsSnapshot(server.pid, a.t.home)) || undefined,
  );
  hangUp.abort();
  await asking;

  // The making stops at its next step (its wait after a step ends with the
  // session): the snapshot is released long before the 40 s it would take.
  await until(
    "the serve to give up beta's checkpoint",
    async () => (await readTransactions(server.pid, a.t.home)) === 0 ? true : undefined,
    10_000,
  );
  await server.waitFor(/failed beta/, { stream: "stderr", timeoutMs: 10_000 });
  assert.doesNotMatch(server.stderr, /synced with beta/);

  // Asking again at once: refused busy (the cool-down after an abandoned one), nothing made.
  const again = await roundWithoutParts(a, b);
  assert.equal(again.code, "peer_busy", JSON.stringify(again));
  assert.match(again.error ?? "", /cut its state for this device moments ago/);
  // Nothing is made for it (a making would hold its snapshot about 40 s).
  await until(
    "the serve to hold no snapshot",
    async () => (await readTransactions(server.pid, a.t.home)) === 0 ? true : undefined,
    10_000,
  );
});
