/**
 * @module sync_plan_test
 * `planSend`: what to send a peer from our chain heads and the heads it
 * sent. Ranges of what it lacks, in author order; a checkpoint when it lacks
 * entries below our checkpoint base or when one pays; fork evidence where
 * the two chains hold different entries at one seq (and nothing more of
 * that author); a property check against a model over random chains.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Heads } from "../../src/protocol/sync_heads.ts";
import { type OurHead, planSend } from "../../src/protocol/sync_plan.ts";

const key = (b: number) => DeviceKey.of(new Uint8Array(32).fill(b));
/** The hash of entry `seq` on branch `branch` of an author (distinct per branch and seq). */
const h = (seq: number, branch = 0) => {
  const x = new Uint8Array(32);
  new DataView(x.buffer).setUint32(0, seq);
  x[31] = branch;
  return x;
};
const ours = (seq: number, base = 0): OurHead => ({
  seq,
  hash: h(seq),
  base,
  baseHash: base ? h(base) : null,
});
const theirs = (rows: [DeviceKey, number, number?][]): Heads =>
  new Map(rows.map(([k, seq, branch]) => [k, { seq, hash: h(seq, branch ?? 0) }]));
/** hashAt over our chains (branch 0), answering only above the base. */
const hashAt = (heads: ReadonlyMap<DeviceKey, OurHead>) => (author: DeviceKey, seq: number) => {
  const head = heads.get(author);
  return head && seq > head.base && seq <= head.seq ? h(seq) : undefined;
};
const never = () => false;

Deno.test("planSend() sends (their seq, our seq] for each author the peer is behind on, in key order", () => {
  const [a, b, c, d] = [4, 2, 3, 1].map(key);
  const mine = new Map([[a, ours(5)], [b, ours(3)], [c, ours(2)], [d, ours(7)]]);
  const plan = planSend(mine, theirs([[a, 2], [b, 3], [c, 4]]), hashAt(mine), never);
  assert.deepEqual(plan.ranges, [
    { author: d, after: 0, upTo: 7 },
    { author: a, after: 2, upTo: 5 },
  ]);
  assert.deepEqual([plan.checkpoint, plan.evidence, plan.missing], [false, [], 10]);
});

Deno.test("planSend() sends nothing when the peer has everything (or more)", () => {
  const a = key(1);
  const mine = new Map([[a, ours(3)]]);
  for (const seq of [3, 9]) {
    const plan = planSend(mine, theirs([[a, seq]]), (_a, s) => (s <= 3 ? h(s) : undefined), never);
    assert.deepEqual([plan.ranges, plan.missing, plan.checkpoint], [[], 0, false]);
  }
});

Deno.test("planSend() sends a checkpoint, and no ranges, when the peer lacks entries below our base", () => {
  const [a, b] = [key(1), key(2)];
  const mine = new Map([[a, ours(10, 6)], [b, ours(4)]]);
  const plan = planSend(mine, theirs([[a, 5]]), hashAt(mine), never);
  assert.deepEqual([plan.checkpoint, plan.ranges, plan.missing], [true, [], 9]);
  // At our base exactly, entries after it are enough.
  const atBase = planSend(mine, theirs([[a, 6], [b, 4]]), hashAt(mine), never);
  assert.deepEqual([atBase.checkpoint, atBase.ranges], [false, [{
    author: a,
    after: 6,
    upTo: 10,
  }]]);
});

Deno.test("planSend() with noCheckpoint (ours would be refused) sends what it holds as entries and leaves out chains below our base", () => {
  const [a, b] = [key(1), key(2)];
  const mine = new Map([[a, ours(10, 6)], [b, ours(4)]]);
  const plan = planSend(mine, theirs([[a, 5]]), hashAt(mine), () => true, undefined, true);
  assert.deepEqual([plan.checkpoint, plan.ranges], [false, [{ author: b, after: 0, upTo: 4 }]]);
});

Deno.test("planSend() sends a checkpoint when it pays for the number of missing entries", () => {
  const a = key(1);
  const mine = new Map([[a, ours(100)]]);
  const asked: number[] = [];
  const plan = planSend(mine, theirs([[a, 40]]), hashAt(mine), (n) => (asked.push(n), n > 50));
  assert.deepEqual([asked, plan.checkpoint], [[60], true]);
  assert.equal(planSend(mine, theirs([[a, 60]]), hashAt(mine), (n) => n > 50).checkpoint, false);
  // Nothing missing: no checkpoint, and the question is not even asked.
  const none: number[] = [];
  planSend(mine, theirs([[a, 100]]), hashAt(mine), (n) => (none.push(n), true));
  assert.deepEqual(none, []);
});

Deno.test("planSend() sends our entry as evidence where the chains differ, and nothing more of that author", () => {
  const [a, b] = [key(1), key(2)];
  const mine = new Map([[a, ours(8)], [b, ours(3)]]);
  const plan = planSend(mine, theirs([[a, 5, 1], [b, 1]]), hashAt(mine), never);
  assert.deepEqual(plan.evidence, [{ author: a, seq: 5 }]);
  assert.deepEqual(plan.ranges, [{ author: b, after: 1, upTo: 3 }]);
  assert.equal(plan.missing, 2);
});

Deno.test("planSend() compares at our base with the base hash; a mismatch there sends nothing, not evidence", () => {
  const a = key(1);
  const mine = new Map([[a, ours(9, 4)]]);
  const same = planSend(mine, theirs([[a, 4]]), hashAt(mine), never);
  assert.deepEqual(same.ranges, [{ author: a, after: 4, upTo: 9 }]);
  const other = planSend(mine, theirs([[a, 4, 2]]), hashAt(mine), never);
  assert.deepEqual([other.ranges, other.evidence, other.checkpoint], [[], [], false]);
});

Deno.test("planSend() never compares where it cannot: a peer ahead of us is left alone", () => {
  const a = key(1);
  const mine = new Map([[a, ours(3)]]);
  const plan = planSend(mine, theirs([[a, 7, 5]]), hashAt(mine), never);
  assert.deepEqual([plan.ranges, plan.evidence, plan.missing], [[], [], 0]);
});

Deno.test("planSend() shows a peer ahead on our own log our head, as fork evidence (a restored device)", () => {
  const [self, other] = [key(1), key(2)];
  const mine = new Map([[self, ours(3)], [other, ours(3)]]);
  const plan = planSend(mine, theirs([[self, 7, 5], [other, 7, 5]]), hashAt(mine), never, self);
  assert.deepEqual(plan.evidence, [{ author: self, seq: 3 }], "only our own log: nobody else's");
  assert.deepEqual([plan.ranges, plan.missing], [[], 0]);
  const below = new Map([[self, ours(3, 3)]]);
  const atBase = planSend(below, theirs([[self, 7, 5]]), hashAt(below), never, self);
  assert.deepEqual(atBase.evidence, [], "no entry of ours above the base to show");
});

// ---------------------------------------------------------------------------
// Property

interface Case {
  /** Per author: our seq, our base, their seq (0: unknown to them), the first seq where their branch differs (0: none). */
  rows: { ours: number; base: number; theirs: number; forkAt: number }[];
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  rows: fc.array(
    fc.record({
      ours: fc.integer({ min: 1, max: 30 }),
      base: fc.nat(10),
      theirs: fc.nat(40),
      forkAt: fc.nat(40),
    })
      .map((r) => ({ ...r, base: Math.min(r.base, r.ours) })),
    { minLength: 1, maxLength: 6 },
  ),
});

Deno.test("planSend() matches a model over random chains (ranges, checkpoint, evidence, missing)", () => {
  fc.assert(
    fc.property(caseArb, fc.integer({ min: 1, max: 200 }), ({ rows }, threshold) => {
      const keys = rows.map((_, i) => key(10 + i));
      const mine = new Map(rows.map((r, i) => [keys[i], ours(r.ours, r.base)]));
      const their: Heads = new Map();
      rows.forEach((r, i) => {
        if (r.theirs === 0) return;
        const forked = r.forkAt > 0 && r.theirs >= r.forkAt;
        their.set(keys[i], { seq: r.theirs, hash: h(r.theirs, forked ? 1 : 0) });
      });
      const plan = planSend(mine, their, hashAt(mine), (n) => n >= threshold);
      // The model.
      const ranges: { author: DeviceKey; after: number; upTo: number }[] = [];
      const evidence: { author: DeviceKey; seq: number }[] = [];
      let missing = 0, below = false;
      const order = rows.map((r, i) => ({ r, k: keys[i] })).sort((x, y) => x.k.compare(y.k));
      for (const { r, k } of order) {
        const forked = r.theirs > 0 && r.forkAt > 0 && r.theirs >= r.forkAt;
        const comparable = r.theirs > 0 && r.theirs <= r.ours && r.theirs >= r.base;
        if (comparable && forked) {
          if (r.theirs > r.base) evidence.push({ author: k, seq: r.theirs });
          continue;
        }
        if (r.theirs >= r.ours) continue;
        missing += r.ours - r.theirs;
        if (r.theirs < r.base) below = true;
        else ranges.push({ author: k, after: r.theirs, upTo: r.ours });
      }
      const checkpoint = below || (missing > 0 && missing >= threshold);
      assert.deepEqual(plan, { checkpoint, ranges: checkpoint ? [] : ranges, evidence, missing });
    }),
    { seed: 131, numRuns: 3000 },
  );
});
