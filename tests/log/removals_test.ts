/**
 * @module removals_test
 * Removals racing each other (src/log/removals.ts, src/log/rebuild.ts):
 * - pure: which removals count — a mutual removal removes both, a removal
 *   by a device cut before it wrote it does not count, one written after
 *   seeing its own removal does not count, a fixed cut (checkpoint) wins, and
 *   the answer never depends on the order of the removals (property);
 * - replicas (real Ingest over in-memory logs, refolding at the end of a
 *   session as a home does): the same entries delivered in opposite orders
 *   give the same members and the same state digest, for a mutual removal,
 *   a chain of removals, a removal that re-opens entries, and a removal that
 *   decides a race after the fact.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { toHex } from "../../src/bytes.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import { resolveRemovals, type RevokeEvent } from "../../src/log/removals.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { type TestDevice, testDevices } from "./helpers.ts";
import { MemoryLog } from "./memory_log.ts";

const T = 1_700_000_000_000;

function ev(author: DeviceKey, seq: number, subject: DeviceKey, upTo: number): RevokeEvent {
  return { author, seq, subject, upTo, wall: T + seq, counter: 0 };
}

const [A, B, C, D] = (await testDevices(4)).map((d) => d.key);

Deno.test("resolveRemovals: two devices removing each other both end up removed", () => {
  const r = resolveRemovals([ev(A, 3, B, 2), ev(B, 3, A, 2)]);
  assert.equal(r.counted.length, 2);
  assert.deepEqual([r.cuts.get(A), r.cuts.get(B)], [2, 2]);
});

Deno.test("resolveRemovals: a removal written past its author's cut does not count", () => {
  // C removes A keeping A's first entry; A's second entry removed B.
  const r = resolveRemovals([ev(A, 2, B, 5), ev(C, 1, A, 1)]);
  assert.deepEqual(r.counted.map((e) => e.author), [C]);
  assert.equal(r.cuts.get(B), undefined, "B stays");
  assert.equal(r.cuts.get(A), 1);
});

Deno.test("resolveRemovals: a removal written after seeing its own removal does not count", () => {
  // B#5 removes A (A had written 4); A#6 saw B#5 and removes B in return.
  const r = resolveRemovals([ev(B, 5, A, 4), ev(A, 6, B, 5)]);
  assert.deepEqual(r.counted.map((e) => e.author), [B]);
  assert.equal(r.cuts.get(B), undefined);
  // Claiming not to have seen it makes a race: then both are out.
  const raced = resolveRemovals([ev(B, 5, A, 4), ev(A, 6, B, 4)]);
  assert.equal(raced.counted.length, 2);
});

Deno.test("resolveRemovals: a cut fixed by a checkpoint cannot be undone", () => {
  const r = resolveRemovals([ev(A, 7, B, 3)], new Map([[A, 5]]));
  assert.deepEqual(r.counted, []);
  assert.equal(r.cuts.get(A), 5);
  assert.equal(r.cuts.get(B), undefined);
});

Deno.test("resolveRemovals: a chain decides from its end (C cuts A, so A's cut of B falls, so B's cut of D stands)", () => {
  const r = resolveRemovals([ev(C, 1, A, 1), ev(A, 2, B, 1), ev(B, 2, D, 0)]);
  assert.deepEqual(r.counted.map((e) => e.author), [C, B]);
  assert.deepEqual([r.cuts.get(A), r.cuts.get(B), r.cuts.get(D)], [1, undefined, 0]);
});

const eventArb = fc.record({
  author: fc.constantFrom(A, B, C, D),
  seq: fc.integer({ min: 1, max: 6 }),
  subject: fc.constantFrom(A, B, C, D),
  upTo: fc.integer({ min: 0, max: 6 }),
}).filter((e) => e.author !== e.subject).map((e) => ev(e.author, e.seq, e.subject, e.upTo));

Deno.test("resolveRemovals: the result never depends on the order of the removals", () => {
  fc.assert(
    fc.property(
      fc.array(eventArb, { maxLength: 10 }),
      fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      (events, keys) => {
        const shuffled = events.map((e, i) => [keys[i % keys.length], i, e] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1]).map(([, , e]) => e);
        const a = resolveRemovals(events), b = resolveRemovals(shuffled);
        assert.deepEqual(new Set(a.counted), new Set(b.counted));
        assert.deepEqual(new Map([...a.cuts].sort()), new Map([...b.cuts].sort()));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("resolveRemovals: removals that cut no other removal all count, at the smallest cut", () => {
  fc.assert(
    fc.property(fc.array(eventArb, { maxLength: 10 }), (events) => {
      const attacked = events.some((e) =>
        events.some((r) => r.subject === e.author && e.seq > r.upTo)
      );
      fc.pre(!attacked);
      const r = resolveRemovals(events);
      assert.equal(r.counted.length, events.length);
      for (const e of events) assert.ok(r.cuts.get(e.subject)! <= e.upTo);
    }),
    { numRuns: 1000 },
  );
});

// --- replicas -------------------------------------------------------------

interface Mesh {
  f: TestDevice;
  a: TestDevice;
  b: TestDevice;
  c: TestDevice;
}

/** Founder f admits a, b and c; each announces itself and writes a preference. */
async function mesh(): Promise<Mesh> {
  const [f, a, b, c] = await testDevices(4);
  for (const d of [f, a, b, c]) d.log.length = 0;
  await f.append([a, b, c, f].map((d) => ({ type: "device.add", device: d.record() })), T);
  for (const [i, d] of [a, b, c].entries()) {
    await d.append([{ type: "device.add", device: d.record() }], T + 1);
    await d.append([{ type: "pref.set", key: `k${i}`, value: "v", observed: [] }], T + 2);
  }
  return { f, a, b, c };
}

/** A replica that took in `batches` session by session, refolding when asked. */
async function replica(f: TestDevice, batches: SignedEntry[][]): Promise<MemoryLog> {
  let r = new MemoryLog([f.key]);
  for (const batch of batches) {
    if ((await r.receive(batch.map((e) => e.bytes))).refold) r = await r.refolded();
  }
  return r;
}

function removedOf(r: MemoryLog, ...ds: TestDevice[]): (number | undefined)[] {
  return ds.map((d) => r.member(d.key)?.removed?.cut);
}

Deno.test("replicas: a mutual removal seen in opposite orders removes both, everywhere the same", async () => {
  const { f, a, b, c } = await mesh();
  const base = [...f.log, ...a.log, ...b.log, ...c.log];
  const byA = await a.append([{ type: "device.revoke", device: b.key, upTo: 2 }], T + 10);
  const byB = await b.append([{ type: "device.revoke", device: a.key, upTo: 2 }], T + 10);
  const x = await replica(f, [base, [byA], [byB]]);
  const y = await replica(f, [base, [byB], [byA]]);
  assert.deepEqual(removedOf(x, a, b), [2, 2]);
  assert.deepEqual(removedOf(y, a, b), [2, 2]);
  assert.equal(stateDigest(x), stateDigest(y));
  // Each removal sits in an entry past its author's cut: kept aside, not lost.
  for (const r of [x, y]) {
    const aside = new Set(r.asideFor("past_cut").map((e) => toHex(e.hash)));
    assert.deepEqual(aside, new Set([toHex(byA.hash), toHex(byB.hash)]));
  }
});

Deno.test("replicas: a chain of removals gives the same members in either order", async () => {
  const { f, a, b, c } = await mesh();
  const base = [...f.log, ...a.log, ...b.log, ...c.log];
  const aCutsB = await a.append([{ type: "device.revoke", device: b.key, upTo: 1 }], T + 10);
  const cCutsA = await c.append([{ type: "device.revoke", device: a.key, upTo: 2 }], T + 11);
  const x = await replica(f, [base, [aCutsB], [cCutsA]]);
  const y = await replica(f, [base, [cCutsA], [aCutsB]]);
  for (const r of [x, y]) {
    assert.deepEqual(removedOf(r, a, b), [2, undefined], "A is out; its late removal of B fell");
    assert.equal(r.view.pref("k1"), "v", "B's entries stay folded");
  }
  assert.equal(stateDigest(x), stateDigest(y));
});

Deno.test("replicas: when a removal stops counting, the entries it cut come back and fold", async () => {
  const { f, a, b, c } = await mesh();
  const base = [...f.log, ...a.log, ...b.log, ...c.log];
  const bCutsA = await b.append([{ type: "device.revoke", device: a.key, upTo: 1 }], T + 10);
  // c never saw b's removal: it removes b keeping only b's first two entries.
  const cCutsB = await c.append([{ type: "device.revoke", device: b.key, upTo: 2 }], T + 11);
  const x = await replica(f, [base, [bCutsA], [cCutsB]]);
  const y = await replica(f, [base, [cCutsB], [bCutsA]]);
  for (const r of [x, y]) {
    assert.deepEqual(removedOf(r, a, b), [undefined, 2]);
    assert.equal(r.view.pref("k0"), "v", "a's preference, cut by b's removal, is back");
  }
  assert.equal(stateDigest(x), stateDigest(y));
});

Deno.test("replicas: a later removal decides an earlier race (no entry of the race changes)", async () => {
  const { f, a, b, c } = await mesh();
  const base = [...f.log, ...a.log, ...b.log, ...c.log];
  const byA = await a.append([{ type: "device.revoke", device: b.key, upTo: 2 }], T + 10);
  const byB = await b.append([{ type: "device.revoke", device: a.key, upTo: 2 }], T + 10);
  // c saw only the race's start and removes a before a's removal of b.
  const cCutsA = await c.append([{ type: "device.revoke", device: a.key, upTo: 2 }], T + 11);
  const x = await replica(f, [base, [byA], [byB], [cCutsA]]);
  const y = await replica(f, [base, [cCutsA], [byB, byA]]);
  for (const r of [x, y]) {
    assert.deepEqual(removedOf(r, a, b), [2, undefined], "a's removal of b no longer counts");
  }
  assert.equal(stateDigest(x), stateDigest(y));
});
