/**
 * @module catch_up_parts_test
 * A device behind a compaction of a state past one checkpoint's bounds (64
 * MiB: src/log/checkpoint_format.ts) catches up in one round: the peer sends
 * its state as a checkpoint in parts (src/log/checkpoint_parts.ts) in the
 * sync session, as pairing does. Before, the sender failed every round with
 * `checkpoint_too_large` ("Cannot make a checkpoint: the state is larger
 * than a checkpoint may be"), and the device never caught up.
 *
 * Real processes on 127.0.0.1: alpha and beta pair; beta's home is copied
 * aside (a backup); alpha writes the state, beta syncs it, alpha compacts
 * every entry beta acknowledged (`sync compact --keep 0`); beta is restored
 * from the backup, so alpha's chain starts past where beta's ends. The
 * first test is at the real size (about 68 MB of preferences); the second
 * lowers the single-checkpoint limit through the test knob
 * MYCEL_TEST_CHECKPOINT_BYTES (test only: it also sets the size each part
 * is cut at) to check the state digest and the base beta keeps in parts on
 * a ~1.2 MiB state. Without the knob a current peer gets parts past 1 MiB
 * (src/sync/exchange_send.ts `WHOLE_UP_TO`): the last test.
 *
 * A peer on an earlier release is beta's own code run in this process with
 * its `hi` saying it takes nothing new (what an earlier release sends): it
 * still gets one checkpoint when the state fits one, and the sender's
 * `checkpoint_too_large` when it does not, as before.
 */

import assert from "node:assert/strict";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { type Device, device } from "../pairing/_helpers.ts";
import { baseParts, behindCompaction, roundTo } from "./_parts_behind.ts";

async function caughtUp(a: Device, b: Device, prefs: number, inBase: boolean): Promise<void> {
  const server = await a.serve();
  const round = await b.syncNow();
  assert.equal(round.code, 0, `${round.raw.stderr}\n${round.raw.stdout}`);
  assert.equal(round.outcomes[0]?.status, "synced", round.raw.stdout);
  const [sa, sb] = [await a.status(), await b.status()];
  assert.equal(sb.state_digest, sa.state_digest, "beta holds alpha's state");
  const got = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(got).length, prefs);
  await a.stopServer();
  const served = (await server.result()).stderr;
  assert.match(served, /synced with beta \(\w+\): sent \d+ \+ our state in \d+ parts/, served);
  if (!inBase) return;
  assert.ok(baseParts(b.t.home) >= 2, "beta keeps its base in parts");
  const doctor = JSON.parse((await b.t.run(["doctor", "--json"])).stdout) as {
    findings: { check: string; ok: boolean; detail: string }[];
  };
  const log = doctor.findings.find((f) => f.check === "log")!;
  assert.ok(log.ok, `doctor reads beta's base in parts back: ${log.detail}`);
}

/** A round from beta's home in this process, acting as an earlier release (abilities 0). */
function olderRound(a: Device, b: Device): Promise<SessionOutcome> {
  return roundTo(b, a, { tuning: { abilities: 0 } });
}

Deno.test("a device behind a compaction of a state over 64 MiB catches up in one round: the state comes as a checkpoint in parts (a peer on an earlier release still gets checkpoint_too_large)", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 110, 62_000);
  const digest = (await b.status()).state_digest;
  const server = await a.serve();
  const older = await olderRound(a, b);
  assert.equal(older.status, "failed", JSON.stringify(older));
  await server.waitFor(/failed beta.*larger than a checkpoint may be/, { stream: "stderr" });
  assert.equal((await b.status()).state_digest, digest, "the earlier release took nothing");
  await caughtUp(a, b, 1100, true);
});

Deno.test("a peer on an earlier release gets one checkpoint, as before, where a current one gets parts", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 30, 4000);
  a.t.defaults.env = { ...a.t.defaults.env, [PART_KNOB]: String(256 << 10) };
  const server = await a.serve();
  const older = await olderRound(a, b);
  assert.equal(older.status, "synced", JSON.stringify(older));
  assert.ok(older.exchange?.took !== undefined, "it took alpha's checkpoint");
  const [line] = await server.waitFor(/synced with beta.*/, { stream: "stderr" });
  assert.doesNotMatch(line, /parts/);
  assert.equal((await b.status()).state_digest, (await a.status()).state_digest);
});

Deno.test("a checkpoint past the single-checkpoint limit goes in parts in a sync session while the device behind sends its own writes; both end with the same state digest", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 30, 4000);
  a.t.defaults.env = { ...a.t.defaults.env, [PART_KNOB]: String(256 << 10) };
  // Beta's own writes go to alpha in the same session as alpha's parts come
  // (alpha stores them while it sends: its parts are cut once, not remade).
  for (let i = 0; i < 3; i++) await b.t.ok(["--no-sync", "pref", "set", `mine.${i}`, "beta"]);
  await caughtUp(a, b, 303, false);
  const onAlpha = await a.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(onAlpha["mine.2"], "beta", "alpha has beta's own writes");
});

Deno.test("a state of about a MiB, well within one checkpoint's bounds, goes in parts to a current peer: making it whole would hold the serving process", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 30, 4000); // ~1.2 MB of preferences, no knob
  await caughtUp(a, b, 300, false);
});
