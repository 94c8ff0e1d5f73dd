/**
 * @module ingest_test
 * `Ingest`, the gate every entry from a peer passes, over an in-memory
 * `LogTarget` (tests/log/memory_log.ts) with real signed entries:
 * - a run is authenticated by its chain and its last signature: a relayed
 *   run with any entry altered is refused as a whole and nothing is stored;
 * - a second entry for a held (author, seq) is fork evidence only when it is
 *   validly signed; a forged one is refused;
 * - entries past a removal cut are set aside, never folded, never lost;
 * - entries waiting for an admission are requeued when it folds, and put
 *   back aside if they still cannot fold;
 * - `trusted` authors bootstrap their own admission; strangers are refused.
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import { Ingest } from "../../src/log/ingest.ts";
import type { Op } from "../../src/log/ops.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { type TestDevice, testDevices } from "./helpers.ts";
import { MemoryLog } from "./memory_log.ts";

const T0 = 1_700_000_000_000;
const app = (name: string): Op => ({ type: "app.add", name });
const add = (d: TestDevice): Op => ({ type: "device.add", device: d.record() });
const revoke = (device: DeviceKey, upTo: number): Op => ({ type: "device.revoke", device, upTo });
const bytesOf = (entries: readonly SignedEntry[]) => entries.map((e) => e.bytes);

/** A founder `f` (trusted by the replica) that admitted `others`, and a replica holding that. */
async function mesh(n: number): Promise<{ devs: TestDevice[]; replica: MemoryLog }> {
  const devs = await testDevices(n);
  const [f, ...others] = devs;
  await f.append([add(f), ...others.map(add)], T0);
  const replica = new MemoryLog([f.key]);
  const r = await replica.receive(bytesOf(f.log));
  assert.equal(r.accepted, 1);
  return { devs, replica };
}

/** `e` with the body byte at `at` flipped, re-wrapped with its original signature. */
function altered(e: SignedEntry, at: number): Uint8Array {
  const body = e.body.slice();
  body[at] ^= 0x01;
  return encodeCbor([body, e.signature]);
}

/** The offset of the app name's last character in an app.add entry's body. */
function nameOffset(e: SignedEntry, name: string): number {
  const text = new TextEncoder().encode(name);
  for (let i = e.body.length - text.length; i >= 0; i--) {
    if (text.every((b, j) => e.body[i + j] === b)) return i + text.length - 1;
  }
  throw new Error("name not in body");
}

// ---------------------------------------------------------------------------
// Runs and signatures

Deno.test("a member's entries are taken in whatever order a batch lists them", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 5; i++) await a.append([app(`a${i}`)], T0 + i);
  const r = await replica.receive(bytesOf(a.log).reverse());
  assert.deepEqual([r.accepted, r.refusedCount], [5, 0]);
  assert.equal(replica.head(a.key)?.seq, 5);
  assert.equal(replica.view.seen(a.key), 5);
});

Deno.test("a relayed run with one entry altered is refused as a whole: nothing of it is stored", async () => {
  for (const which of [0, 2, 4]) {
    const { devs: [, a], replica } = await mesh(2);
    for (let i = 1; i <= 5; i++) await a.append([app(`app${i}`)], T0 + i);
    const before = stateDigest(replica);
    const raw = bytesOf(a.log);
    raw[which] = altered(a.log[which], nameOffset(a.log[which], `app${which + 1}`));
    const r = await replica.receive(raw);
    assert.equal(r.accepted, 0, `entry ${which + 1} altered`);
    assert.equal(r.refusedCount, 5);
    assert.ok(r.refused.some((x) => x.code === "bad_signature"));
    assert.deepEqual(r.forks, [], "an altered relay is not fork evidence");
    assert.equal(replica.forkNotes.length + replica.aside.size, 0);
    assert.equal(replica.head(a.key), undefined);
    assert.equal(stateDigest(replica), before, "the state is untouched");
    // The genuine run, sent again, is taken whole.
    assert.equal((await replica.receive(bytesOf(a.log))).accepted, 5);
  }
});

Deno.test("a run whose last signature is altered is refused whole; entries already held stay", async () => {
  const { devs: [, a], replica } = await mesh(2);
  await a.append([app("one")], T0 + 1);
  assert.equal((await replica.receive(bytesOf(a.log))).accepted, 1);
  for (let i = 2; i <= 4; i++) await a.append([app(`n${i}`)], T0 + i);
  const last = a.log[3];
  const sig = last.signature.slice();
  sig[10] ^= 0x80;
  const raw = [a.log[1].bytes, a.log[2].bytes, encodeCbor([last.body, sig])];
  const r = await replica.receive(raw);
  assert.deepEqual([r.accepted, r.refusedCount], [0, 3]);
  assert.equal(replica.head(a.key)?.seq, 1);
  assert.ok(replica.view.apps().includes("one"));
  assert.ok(!replica.view.apps().includes("n2"));
});

Deno.test("undecodable bytes are refused as malformed; the rest of the batch is taken", async () => {
  const { devs: [, a], replica } = await mesh(2);
  await a.append([app("x")], T0 + 1);
  const r = await replica.receive([new Uint8Array([1, 2, 3]), a.log[0].bytes]);
  assert.equal(r.accepted, 1);
  assert.deepEqual(r.refused.map((x) => x.code), ["malformed"]);
});

Deno.test("entries already held count as duplicates and change nothing", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 3; i++) await a.append([app(`d${i}`)], T0 + i);
  await replica.receive(bytesOf(a.log));
  const digest = stateDigest(replica);
  const r = await replica.receive([...bytesOf(a.log), a.log[1].bytes]);
  assert.deepEqual([r.accepted, r.duplicates, r.refusedCount], [0, 4, 0]);
  assert.equal(stateDigest(replica), digest);
});

Deno.test("entries after a gap are refused as gap and taken once the gap is filled", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 3; i++) await a.append([app(`g${i}`)], T0 + i);
  const r = await replica.receive([a.log[2].bytes]);
  assert.deepEqual(r.refused.map((x) => [x.code, x.seq]), [["gap", 3]]);
  assert.equal(replica.head(a.key), undefined);
  assert.equal((await replica.receive(bytesOf(a.log))).accepted, 3);
});

// ---------------------------------------------------------------------------
// Forks

Deno.test("a second, validly signed entry for a held seq is kept aside as fork evidence", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 3; i++) await a.append([app(`main${i}`)], T0 + i);
  await replica.receive(bytesOf(a.log));
  const digest = stateDigest(replica);
  // The same device restored from a backup after entry 1: another entry 2.
  const [restored] = (await testDevices(2)).slice(1);
  restored.log.push(a.log[0]);
  const other = await restored.append([app("branch")], T0 + 9);
  const r = await replica.receive([other.bytes]);
  assert.deepEqual(r.forks, [{ author: a.key, seq: 2 }]);
  assert.equal(replica.forkNotes.length, 1);
  assert.deepEqual(replica.forkNotes[0].kept, a.log[1].hash);
  assert.deepEqual(replica.forkNotes[0].other, other.hash);
  assert.deepEqual(replica.asideFor("fork").map((e) => e.hash), [other.hash], "both branches kept");
  assert.equal(stateDigest(replica), digest, "the other branch is not folded");
});

Deno.test("an entry linking onto another entry at our head's seq is fork evidence when signed", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 2; i++) await a.append([app(`m${i}`)], T0 + i);
  await replica.receive(bytesOf(a.log));
  const [restored] = (await testDevices(2)).slice(1);
  restored.log.push(a.log[0]);
  const b2 = await restored.append([app("b2")], T0 + 5);
  const b3 = await restored.append([app("b3")], T0 + 6);
  const r = await replica.receive([b3.bytes]);
  assert.deepEqual(r.forks, [{ author: a.key, seq: 2 }]);
  assert.deepEqual(replica.forkNotes[0].kept, a.log[1].hash);
  assert.deepEqual(replica.forkNotes[0].other, b2.hash);
  assert.equal(replica.head(a.key)?.seq, 2);
});

Deno.test("entries after the first of another branch are refused by name (fork_branch), never folded", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 2; i++) await a.append([app(`m${i}`)], T0 + i);
  await replica.receive(bytesOf(a.log));
  const digest = stateDigest(replica);
  const [restored] = (await testDevices(2)).slice(1);
  restored.log.push(a.log[0]);
  await restored.append([app("b2")], T0 + 5);
  const branch = [];
  for (let i = 3; i <= 5; i++) branch.push(await restored.append([app(`b${i}`)], T0 + 5 + i));
  const r = await replica.receive(bytesOf(branch));
  assert.deepEqual(r.forks, [{ author: a.key, seq: 2 }]);
  assert.equal(r.accepted, 0);
  assert.deepEqual(
    r.refused.map((x) => [x.seq, x.code]),
    [[4, "fork_branch"], [5, "fork_branch"]],
  );
  assert.equal(r.refusedCount, 2);
  assert.equal(replica.head(a.key)?.seq, 2);
  assert.equal(stateDigest(replica), digest, "nothing of the other branch is folded");
});

Deno.test("an unsigned claim of another entry at a held seq is refused, not a fork", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 2; i++) await a.append([app(`s${i}`)], T0 + i);
  await replica.receive(bytesOf(a.log));
  const forged = altered(a.log[1], nameOffset(a.log[1], "s2"));
  const r = await replica.receive([forged]);
  assert.deepEqual(r.forks, []);
  assert.deepEqual(r.refused.map((x) => x.code), ["bad_signature"]);
  assert.equal(replica.forkNotes.length, 0);
  assert.equal(replica.asideFor("fork").length, 0);
  // Nor when it links onto our head from a made-up entry.
  const [restored] = (await testDevices(2)).slice(1);
  restored.log.push(a.log[0]);
  await restored.append([app("x")], T0 + 7);
  const b3 = await restored.append([app("y")], T0 + 8);
  const tampered = altered(b3, nameOffset(b3, "y"));
  const r2 = await replica.receive([tampered]);
  assert.deepEqual([r2.forks.length, r2.refused[0]?.code], [0, "bad_signature"]);
});

// ---------------------------------------------------------------------------
// Membership

Deno.test("entries past a removal cut are set aside, not folded, not lost", async () => {
  const { devs: [f, a], replica } = await mesh(2);
  for (let i = 1; i <= 4; i++) await a.append([app(`cut${i}`)], T0 + i);
  await f.append([revoke(a.key, 2)], T0 + 10);
  const r = await replica.receive([...bytesOf(f.log), ...bytesOf(a.log)]);
  assert.deepEqual([r.accepted, r.pastCut, r.refusedCount], [3, 2, 0]);
  assert.equal(replica.head(a.key)?.seq, 2);
  assert.deepEqual(replica.asideFor("past_cut").map((e) => e.entry.seq), [3, 4]);
  assert.ok(replica.view.apps().includes("cut2"));
  assert.ok(!replica.view.apps().includes("cut3"));
});

Deno.test("a removal cutting below entries already folded asks for a refold", async () => {
  const { devs: [f, a], replica } = await mesh(2);
  for (let i = 1; i <= 3; i++) await a.append([app(`r${i}`)], T0 + i);
  await replica.receive(bytesOf(a.log));
  await f.append([revoke(a.key, 3)], T0 + 10);
  assert.equal((await replica.receive([f.log[1].bytes])).refold, false);
  await f.append([revoke(a.key, 1)], T0 + 11);
  assert.equal((await replica.receive([f.log[2].bytes])).refold, true);
});

Deno.test("entries of a device admitted later in the same session wait in memory, then fold", async () => {
  const { devs: [, , b], replica } = await mesh(3);
  const [late] = (await testDevices(4)).slice(3);
  await late.append([app("late")], T0 + 1);
  const ingest = new Ingest(replica, replica.trusted);
  await ingest.push(bytesOf(late.log));
  assert.equal(ingest.result.accepted, 0);
  await b.append([add(late)], T0 + 2);
  await ingest.push(bytesOf(b.log));
  const r = ingest.finish();
  assert.deepEqual([r.accepted, r.refusedCount], [2, 0]);
  assert.ok(replica.view.apps().includes("late"));
  assert.ok(replica.view.isMember(late.key));
});

Deno.test("entries of a non-member still waiting at the end of a session are refused, not stored", async () => {
  const { replica } = await mesh(1);
  const [stranger] = (await testDevices(3)).slice(2);
  await stranger.append([add(stranger), app("spam")], T0);
  const r = await replica.receive(bytesOf(stranger.log));
  assert.deepEqual(r.refused.map((x) => x.code), ["not_member"]);
  assert.equal(replica.head(stranger.key), undefined);
  assert.equal(replica.aside.size, 0);
});

Deno.test("entries kept aside as waiting are requeued when their author's admission folds", async () => {
  const { devs: [f], replica } = await mesh(1);
  const [w] = (await testDevices(2)).slice(1);
  for (let i = 1; i <= 2; i++) await w.append([app(`w${i}`)], T0 + i);
  for (const e of w.log) replica.setAside(e, "waiting");
  await f.append([add(w)], T0 + 5);
  const r = await replica.receive([f.log[1].bytes]);
  assert.equal(r.accepted, 3);
  assert.equal(replica.head(w.key)?.seq, 2);
  assert.equal(replica.asideFor("waiting").length, 0);
  assert.ok(replica.view.apps().includes("w2"));
});

Deno.test("waiting entries taken back that still cannot fold go back aside, never lost", async () => {
  const { devs: [f], replica } = await mesh(1);
  const [w] = (await testDevices(2)).slice(1);
  await w.append([app("w1")], T0 + 1);
  replica.setAside(w.log[0], "waiting");
  // A removal of w changes its membership (requeue) without admitting it.
  await f.append([revoke(w.key, 5)], T0 + 5);
  const r = await replica.receive([f.log[1].bytes]);
  assert.deepEqual([r.accepted, r.refusedCount], [1, 0]);
  assert.deepEqual(replica.asideFor("waiting").map((e) => e.hash), [w.log[0].hash]);
});

Deno.test("a trusted author bootstraps its own admission; the same log from anyone else is refused", async () => {
  const [fresh] = await testDevices(1);
  await fresh.append([app("before-admission")], T0);
  await fresh.append([add(fresh)], T0 + 1);
  const trusting = new MemoryLog([fresh.key]);
  const r = await trusting.receive(bytesOf(fresh.log));
  assert.deepEqual([r.accepted, r.refusedCount], [2, 0]);
  assert.ok(trusting.view.isMember(fresh.key));
  const other = new MemoryLog();
  const r2 = await other.receive(bytesOf(fresh.log));
  assert.deepEqual([r2.accepted, r2.refused.map((x) => x.code)], [0, ["not_member", "not_member"]]);
  assert.equal(stateDigest(other), stateDigest(new MemoryLog()));
});

Deno.test("a refused batch leaves the replica exactly as it was (run altered at its last entry)", async () => {
  const { devs: [, a], replica } = await mesh(2);
  for (let i = 1; i <= 3; i++) await a.append([app(`z${i}`)], T0 + i);
  const before = stateDigest(replica);
  const last = a.log[2];
  const flipped = concatBytes(last.bytes.subarray(0, -1), new Uint8Array([last.bytes.at(-1)! ^ 1]));
  const raw = [a.log[0].bytes, a.log[1].bytes, flipped];
  await replica.receive(raw);
  assert.equal(stateDigest(replica), before);
  assert.equal(replica.chains.get(a.key), undefined);
});
