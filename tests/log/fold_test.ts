/**
 * @module fold_test
 * Membership through `foldEntry`, with real signed entries, each case in
 * every delivery order that keeps each author's sequence:
 * - a device's record changes only through its own entries: an admission
 *   supplies first values and never overrides a field the device published;
 * - the admission kept is the same everywhere (another device's over the
 *   device's own, then the oldest stamp), and a removal is permanent;
 * - a removal's cut is the minimum `upTo` of all removals, so a later one
 *   cannot re-open anything, and the order of removals never changes it;
 * - `foldEntry` reports `refold` exactly when a cut falls below entries
 *   already folded, and names the devices whose membership changed.
 */

import assert from "node:assert/strict";
import type { DeviceKey } from "../../src/log/device_key.ts";
import { decodeSignedEntry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import { mayFold } from "../../src/log/membership.ts";
import { encodeOp, type Op } from "../../src/log/ops.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { foldEveryOrder, foldInOrder } from "./fold_orders.ts";
import { bodyFields, handMadeEntry, type TestDevice, testDevices } from "./helpers.ts";

const T0 = 1_700_000_000_000;
const YEAR = 365 * 86_400_000;

/** Fresh devices for each test (seqs restart at 1). */
async function devices(n: number): Promise<TestDevice[]> {
  return await testDevices(n);
}

const at = (d: TestDevice, ops: Op[], wall: number) =>
  d.appendAt(ops, { wall, counter: 0, node: d.key.hex });
const add = (d: TestDevice, name?: string): Op => ({ type: "device.add", device: d.record(name) });
const revoke = (device: DeviceKey, upTo: number): Op => ({ type: "device.revoke", device, upTo });

// ---------------------------------------------------------------------------
// Records

Deno.test("an admission creates the record; only the device's own entries change it afterwards", async () => {
  const [f, a, m] = await devices(3);
  const admit = await at(f, [add(f, "founder"), add(a, "given-by-f")], T0);
  const own = await at(
    a,
    [{ type: "device.update", device: a.key, fields: { name: "laptop" } }],
    T0 + 1,
  );
  // m re-admits a, with other keys and a stamp older than every other admission.
  const evil = { ...a.record("evil"), noiseKey: f.record().noiseKey, endpoints: ["6.6.6.6:1"] };
  const hostile = await at(m, [{ type: "device.add", device: evil }], 0);
  const s = foldEveryOrder([admit, own, hostile]);
  const rec = s.view.member(a.key)!.record;
  assert.equal(rec.name, "laptop", "the field a published itself wins over any admission");
  assert.equal(
    s.view.member(a.key)!.admitted.by,
    m.key,
    "the oldest admission by another device is kept",
  );
  // Fields a never published come from the admission kept — but not keys two
  // admissions by other devices disagree on: those are nobody's until a
  // announces its own (before, m's key was taken for a here).
  assert.equal(s.view.member(a.key)!.admitted.contested, true);
  assert.deepEqual([rec.noiseKey, rec.wgKey], ["", ""]);
  assert.deepEqual(rec.endpoints, evil.endpoints, "other fields still come from it");
});

Deno.test("a device's own device.add writes every field, so no admission can override any", async () => {
  const [f, a, m] = await devices(3);
  const admit = await at(f, [add(f), add(a, "first")], T0);
  const genesis = await at(a, [add(a, "mine")], T0 + 1);
  const evil = { ...a.record("evil"), noiseKey: f.record().noiseKey };
  const hostile = await at(m, [{ type: "device.add", device: evil }], 0);
  const s = foldEveryOrder([admit, genesis, hostile]);
  assert.deepEqual(s.view.member(a.key)!.record, a.record("mine"));
});

Deno.test("later self-writes beat earlier ones per field; fields not written stay", async () => {
  const [f, a] = await devices(2);
  const admit = await at(f, [add(f), add(a, "a0")], T0);
  const u1 = await at(a, [{
    type: "device.update",
    device: a.key,
    fields: { name: "a1", wgPort: 1 },
  }], T0 + YEAR);
  const u2 = await at(a, [{ type: "device.update", device: a.key, fields: { name: "a2" } }], T0);
  const rec = foldEveryOrder([admit, u1, u2]).view.member(a.key)!.record;
  assert.equal(rec.name, "a2", "the later entry wins, whatever the stamps");
  assert.equal(rec.wgPort, 1);
});

Deno.test("an entry updating another device's record never reaches the fold (foreign_update at decode)", async () => {
  const [a, b] = await devices(2);
  const foreign = encodeOp({ type: "device.update", device: b.key, fields: { name: "pwned" } });
  const bytes = await handMadeEntry(a.signer, bodyFields(a.signer, { ops: [foreign] }));
  assertMycelError(() => decodeSignedEntry(bytes), "foreign_update");
});

// ---------------------------------------------------------------------------
// Admission pick

Deno.test("the admission kept: another device's over the device's own, then the oldest stamp, in every order", async () => {
  const [f, g, a] = await devices(3);
  const self = await at(a, [add(a, "self")], 0);
  const byF = await at(f, [add(a, "by-f")], T0 + 10);
  const byG = await at(g, [add(a, "by-g")], T0 + 5);
  const s = foldEveryOrder([self, byF, byG]);
  const info = s.view.member(a.key)!;
  assert.equal(info.admitted.by, g.key);
  assert.equal(info.admitted.wall, T0 + 5);
  assert.equal(info.record.name, "self", "the device's own add still supplies its fields");
  assert.ok(s.view.isMember(a.key));
});

Deno.test("a device that only admitted itself is a member (the founder)", async () => {
  const [f] = await devices(1);
  const s = foldEveryOrder([await at(f, [add(f, "founder")], T0)]);
  assert.equal(s.view.member(f.key)!.admitted.by, f.key);
  assert.ok(s.view.isMember(f.key));
  assert.deepEqual(s.view.members().map((m) => m.record.key), [f.key]);
});

// ---------------------------------------------------------------------------
// Removal

Deno.test("removal is permanent: a re-admission, before or after, never brings the key back", async () => {
  const [f, g, a] = await devices(3);
  const admit = await at(f, [add(f), add(a)], T0);
  const gone = await at(g, [revoke(a.key, 0)], T0 + 1);
  const again = await at(f, [add(a, "again")], T0 + 2);
  const s = foldEveryOrder([admit, gone, again]);
  assert.equal(s.view.isMember(a.key), false);
  assert.ok(s.view.member(a.key)!.removed, "the record stays, marked removed");
  assert.ok(s.view.members().some((m) => m.record.key === a.key));
});

Deno.test("a removal that arrives before any admission keeps the device out", async () => {
  const [f, a] = await devices(2);
  const gone = await at(f, [add(f), revoke(a.key, 3)], T0);
  const s = foldInOrder([gone]);
  assert.equal(s.view.member(a.key), undefined, "no record without an admission");
  assert.equal(s.view.isMember(a.key), false);
  assert.equal(mayFold(s.member(a.key), 1), false, "nothing of a never-admitted device folds");
  const admit = await at(f, [add(a)], T0 + 1);
  foldEntry(s, admit.entry);
  assert.equal(s.view.isMember(a.key), false);
  assert.equal(s.view.member(a.key)!.removed!.cut, 3);
});

Deno.test("the cut is the minimum upTo of all removals, whatever order they arrive in", async () => {
  const [f, g, h, a] = await devices(4);
  const admit = await at(f, [add(f), add(a)], T0);
  const r1 = await at(f, [revoke(a.key, 7)], T0 + 3);
  const r2 = await at(g, [revoke(a.key, 4)], T0 + 2);
  const r3 = await at(h, [revoke(a.key, 9)], T0 + 1);
  const s = foldEveryOrder([admit, r1, r2, r3]);
  const removed = s.view.member(a.key)!.removed!;
  assert.equal(removed.cut, 4);
  assert.equal(removed.by, h.key, "the earliest removal is the one reported");
  for (const [seq, ok] of [[4, true], [5, false]] as const) {
    assert.equal(mayFold(s.member(a.key), seq), ok, `entry ${seq}`);
  }
});

Deno.test("a later removal with a huge upTo cannot re-open entries past an earlier cut", async () => {
  const [f, g, a] = await devices(3);
  const admit = await at(f, [add(f), add(a)], T0);
  const first = await at(f, [revoke(a.key, 2)], T0 + 1);
  const huge = await at(g, [revoke(a.key, Number.MAX_SAFE_INTEGER)], T0 + YEAR);
  const s = foldEveryOrder([admit, first, huge]);
  assert.equal(s.view.member(a.key)!.removed!.cut, 2);
  assert.equal(mayFold(s.member(a.key), 3), false);
});

Deno.test("entries of a removed device within its cut still fold", async () => {
  const [f, a] = await devices(2);
  const admit = await at(f, [add(f), add(a)], T0);
  const a1 = await at(a, [{ type: "app.add", name: "kept" }], T0 + 1);
  const gone = await at(f, [revoke(a.key, 1)], T0 + 2);
  const s = foldEveryOrder([admit, a1, gone]);
  assert.ok(s.view.apps().includes("kept"));
  assert.equal(s.view.seen(a.key), 1);
});

// ---------------------------------------------------------------------------
// What foldEntry reports

Deno.test("foldEntry() reports refold when a removal cuts below entries already folded", async () => {
  const [f, a] = await devices(2);
  const s = new MemoryState();
  foldEntry(s, (await at(f, [add(f), add(a)], T0)).entry);
  for (let i = 1; i <= 3; i++) {
    foldEntry(s, (await at(a, [{ type: "app.add", name: `x${i}` }], T0 + i)).entry);
  }
  const atSeen = foldEntry(s, (await at(f, [revoke(a.key, 3)], T0 + 10)).entry);
  assert.equal(atSeen.refold, false, "a cut at the folded frontier removes nothing");
  assert.deepEqual(atSeen.membership, [a.key]);
  const below = foldEntry(s, (await at(f, [revoke(a.key, 1)], T0 + 11)).entry);
  assert.equal(below.refold, true, "entries 2 and 3 must come out");
  const again = foldEntry(s, (await at(f, [revoke(a.key, 2)], T0 + 12)).entry);
  assert.equal(again.refold, true, "the state still holds entries past the cut until refolded");
});

Deno.test("foldEntry() names every device whose admission or removal an entry changed", async () => {
  const [f, a, b] = await devices(3);
  const s = new MemoryState();
  const r = foldEntry(
    s,
    (await at(f, [add(f), add(a), { type: "app.add", name: "x" }, revoke(b.key, 0)], T0)).entry,
  );
  assert.deepEqual(r, { refold: false, membership: [f.key, a.key, b.key] });
  const plain = foldEntry(s, (await at(f, [{ type: "app.add", name: "y" }], T0 + 1)).entry);
  assert.deepEqual(plain, { refold: false, membership: [] });
});
