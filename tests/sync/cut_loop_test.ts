/**
 * @module cut_loop_test
 * A member that makes us cut our state in a loop, reading each cut whole
 * and asking again at once, with its own key and with devices it made up
 * and admitted, is refused `busy`; an honest member asking meanwhile gets
 * our state (src/sync/cut_gate.ts). Before, a cut sent whole limited
 * nothing: every ask of the loop cost a whole cut, back to back. And a
 * device crowded out that caught up elsewhere ends its wait, so the devices
 * behind it are not refused for it.
 *
 * A real mesh in memory (tests/sync/_mem_mesh.ts: SQLite homes, alpha
 * learning gamma's admissions in a real round) and the real sending half
 * (exchange_send.ts) asked by each key in turn; the gate's clock is the
 * test's, standing still (so the cuts take no time by it).
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { isMycelError } from "../../src/errors.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { Op } from "../../src/log/ops.ts";
import { ABILITY_PARTS } from "../../src/protocol/sync_messages.ts";
import { homePaths } from "../../src/storage/home.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import {
  CUT_COOL_DOWN_MS,
  cutGroup,
  leftWaiting,
  takeCut,
  useCutClock,
} from "../../src/sync/cut_gate.ts";
import { MemMesh, pref } from "./_mem_mesh.ts";
import { sendHalf } from "./_send_half.ts";

/**
 * Alpha's sending half for a session of `peer`, which holds nothing (or
 * `holds`): "cut", "nothing" (it needed no cut), or why it was refused.
 */
async function ask(
  home: Home,
  peer: DeviceKey,
  holds = new Map(),
  abilities = ABILITY_PARTS,
): Promise<string> {
  const sent: string[] = [];
  const { result, done } = sendHalf(home, peer, {
    send: (msg) => void sent.push(msg.type),
    abilities,
    holds,
  });
  try {
    await done;
  } catch (e) {
    if (isMycelError(e, "checkpoint_too_large")) return "too large";
    if (!isMycelError(e, "busy")) throw e;
    assert.equal(sent.at(-1), "error", "the peer is told why");
    return e.reason;
  }
  if (!result.sentCheckpoint) return "nothing";
  assert.ok((result.sentParts ?? 0) >= 1, `our state in parts: ${sent}`);
  return "cut";
}

Deno.test("a member looping on our state with its own key and made-up devices is refused busy, while an honest member asking meanwhile gets our state", async () => {
  await using mesh = await MemMesh.create(5);
  const [alpha, beta, gamma, madeUp1, madeUp2] = mesh.devices;
  await mesh.admit(alpha, beta);
  await mesh.admit(alpha, gamma);
  // Gamma admits two devices it made up (it holds their keys); alpha learns it in a round.
  await mesh.write(gamma, [
    { type: "device.add", device: madeUp1.record },
    { type: "device.add", device: madeUp2.record },
  ]);
  await mesh.round(alpha);
  assert.equal(cutGroup(alpha.home, madeUp2.key), gamma.key, "gamma's made-up devices: its group");
  assert.equal(cutGroup(alpha.home, gamma.key), gamma.key, "a device alpha admitted: its own");
  assert.equal(cutGroup(alpha.home, beta.key), beta.key);
  // A state that goes in parts (1 KiB each here).
  for (let i = 0; i < 40; i++) await mesh.write(alpha, pref("big", `${i}`.padEnd(4096, "x")));
  const clock = { t: 1_000_000 };
  useCutClock(alpha.home, () => clock.t);

  assert.equal(await ask(alpha.home, gamma.key), "cut", "gamma's first ask is served");
  assert.match(await ask(alpha.home, gamma.key), /for this device moments ago/);
  // Its made-up devices are in its group (alpha admitted gamma, gamma them).
  assert.match(await ask(alpha.home, madeUp1.key), /admitted by the same member/);
  assert.match(await ask(alpha.home, madeUp2.key), /admitted by the same member/);
  assert.equal(await ask(alpha.home, beta.key), "cut", "the honest member is served meanwhile");

  // Past the group's cool-down, gamma's devices are cut for again, one at a time.
  clock.t += CUT_COOL_DOWN_MS;
  assert.equal(await ask(alpha.home, madeUp1.key), "cut");
  assert.match(await ask(alpha.home, madeUp2.key), /admitted by the same member/);
  assert.match(await ask(alpha.home, gamma.key), /for this device moments ago/);
});

Deno.test("a device crowded out that then catches up elsewhere holds no one up: the next device waiting is cut for at its next round", async () => {
  // Alpha serves; the laptop admitted the phone, tablet and watch (one
  // group): all three back from a trip, behind alpha's state, ask in the same minute.
  await using mesh = await MemMesh.create(5);
  const [alpha, laptop, phone, tablet, watch] = mesh.devices;
  await mesh.admit(alpha, laptop);
  await mesh.write(laptop, [
    { type: "device.add", device: phone.record },
    { type: "device.add", device: tablet.record },
    { type: "device.add", device: watch.record },
  ]);
  await mesh.round(alpha);
  assert.equal(cutGroup(alpha.home, watch.key), laptop.key);
  for (let i = 0; i < 40; i++) await mesh.write(alpha, pref("big", `${i}`.padEnd(4096, "x")));
  const clock = { t: 1_000_000 };
  useCutClock(alpha.home, () => clock.t);

  assert.equal(await ask(alpha.home, phone.key), "cut");
  assert.match(await ask(alpha.home, tablet.key), /admitted by the same member/);
  clock.t += 1000;
  assert.match(await ask(alpha.home, watch.key), /admitted by the same member/);
  // The tablet gets alpha's state from the phone; its next session with alpha needs no cut.
  clock.t += 29_000;
  const all = new Map(
    [...alpha.home.log.heads()].map(([a, h]) => [a, { seq: h.seq, hash: h.hash }]),
  );
  assert.equal(await ask(alpha.home, tablet.key, all), "nothing");
  // The watch's next round: before, refused (the tablet "waited longer") for 90 s.
  clock.t += 1000;
  assert.equal(await ask(alpha.home, watch.key), "cut");
});

Deno.test("a member asking for our state whole, again and again, against a state too large for one checkpoint is refused busy between its tries: each try costs the home its rest as a cut does", async () => {
  await using mesh = await MemMesh.create(3);
  const [alpha, beta, gamma] = mesh.devices;
  await mesh.admit(alpha, beta);
  await mesh.admit(alpha, gamma);
  // Past 64 MiB (1,120 values of 60 kB), and more entries than 4 × the
  // state's rows: a peer holding nothing gets a checkpoint, not entries.
  const big = "x".repeat(60_000);
  await alpha.home.write(async (w) => {
    for (let e = 0; e < 70; e++) {
      const ops: Op[] = [];
      for (let i = 0; i < 16; i++) ops.push({ type: "pref.set", key: `b.${e}.${i}`, value: big });
      await w.commit(ops);
    }
    for (let i = 0; i < 4600; i++) await w.commit([{ type: "pref.set", key: "s", value: `${i}` }]);
  });
  // Every reading of the gate's clock is a second later: each try takes one.
  const clock = { t: 1_000_000 };
  useCutClock(alpha.home, () => clock.t += 1000);

  // Beta leaves the parts ability out of its hi (as an earlier release does).
  assert.equal(await ask(alpha.home, beta.key, new Map(), 0), "too large");
  // Before, every ask made a whole checkpoint up to the bound again (twice:
  // without and with the peer's heads), back to back: a loop of them kept
  // the home making them, seconds of CPU each, and a snapshot held.
  assert.match(await ask(alpha.home, beta.key, new Map(), 0), /rests between cuts/);
  assert.match(await ask(alpha.home, gamma.key, new Map(), 0), /rests between cuts/);
  // Beta, updated, asks for our state in parts: it is cut for at once (the
  // try was no cut for it), as before.
  assert.equal(await ask(alpha.home, beta.key), "cut");
});

Deno.test("a cut that waited for the home's write lock (held by another process) rests the home for the cut's own time, not for the wait", async () => {
  await using mesh = await MemMesh.create(5);
  const [alpha, beta, gamma, delta, epsilon] = mesh.devices;
  for (const d of [beta, gamma, delta, epsilon]) await mesh.admit(alpha, d);
  for (let i = 0; i < 40; i++) await mesh.write(alpha, pref("big", `${i}`.padEnd(4096, "x")));
  const clock = { t: 1_000_000 };
  useCutClock(alpha.home, () => clock.t);
  // Beta waits for its turn (crowded out by gamma's cut): it goes first next.
  const g = takeCut(alpha.home, gamma.key);
  assert.match(await ask(alpha.home, beta.key), /cutting its state for another session/);
  g.made();
  g.done(true);
  clock.t += 1; // later asks wait less long than beta

  // Another process holds the write lock; a write of alpha's (a session's
  // record) waits for it, and beta's cut waits behind that write.
  const holder = new DatabaseSync(homePaths(alpha.root).db, { timeout: 0 });
  holder.exec("BEGIN IMMEDIATE");
  let locked = true;
  try {
    const record = alpha.home.write((w) => w.setLocal("lastRound", { at: 0, peers: 0, synced: 0 }));
    const asking = ask(alpha.home, beta.key);
    asking.catch(() => {}); // awaited below; a failure before must not hide the test's
    // Until beta has the gate, a probe is refused for beta's wait; then for its cut.
    for (;;) {
      try {
        takeCut(alpha.home, delta.key);
        throw new Error("the probe took the gate");
      } catch (e) {
        if (!isMycelError(e, "busy")) throw e;
        leftWaiting(alpha.home, delta.key); // the probe waits for nothing
        if (/cutting its state for another session/.test(e.reason)) break;
        assert.match(e.reason, /waited longer/);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    clock.t += 50_000; // the lock was held 50 s more
    holder.exec("ROLLBACK");
    locked = false;
    await record;
    assert.equal(await asking, "cut");
  } finally {
    if (locked) holder.exec("ROLLBACK");
    holder.close();
  }
  // The cut itself took no time by the clock: no rest. Before, the wait
  // counted as cutting, and the home rested 3 × 50 s: every other device
  // was refused busy for two and a half minutes.
  clock.t += 1;
  assert.equal(await ask(alpha.home, epsilon.key), "cut");
});
