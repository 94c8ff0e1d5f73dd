/**
 * @module sync_interleave_test
 * `interleave`: the order a sender reads the ranges of several authors in.
 * Every entry of every range is read exactly once, each range in seq order
 * with contiguous steps; ranges advance in proportion to their lengths, so
 * at any point each is about as far along as the others.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import { interleave, type Range } from "../../src/protocol/sync_plan.ts";

const key = (b: number) => DeviceKey.of(new Uint8Array(32).fill(b));

Deno.test("interleave() reads every entry of every range once, each range in seq order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(50), fc.nat(300)), { maxLength: 6 }),
      fc.integer({ min: 1, max: 100 }),
      (specs, step) => {
        const ranges: Range[] = specs.map(([after, n], i) => ({
          author: key(i + 1),
          after,
          upTo: after + n,
        }));
        const next = new Map(ranges.map((r) => [r.author, r.after]));
        for (const s of interleave(ranges, step)) {
          assert.equal(s.after, next.get(s.author), "steps of a range are contiguous");
          assert.ok(s.upTo > s.after && s.upTo - s.after <= step, "a step reads 1…step entries");
          next.set(s.author, s.upTo);
        }
        for (const r of ranges) assert.equal(next.get(r.author), r.upTo, "each range read whole");
      },
    ),
  );
});

Deno.test("interleave() keeps ranges equally far along: three authors of 3,000, 300 and 30 entries", () => {
  const [a, b, c] = [key(1), key(2), key(3)];
  const ranges = [
    { author: a, after: 0, upTo: 3000 },
    { author: b, after: 100, upTo: 400 },
    { author: c, after: 7, upTo: 37 },
  ];
  const done = new Map(ranges.map((r) => [r.author, 0]));
  for (const s of interleave(ranges, 64)) {
    done.set(s.author, done.get(s.author)! + s.upTo - s.after);
    const progress = ranges.map((r) => done.get(r.author)! / (r.upTo - r.after));
    // Within one step of each other (a short range moves by at least one entry).
    assert.ok(Math.max(...progress) - Math.min(...progress) <= 64 / 3000 + 1 / 30 + 1e-9);
  }
});

Deno.test("interleave() of no ranges, or of empty ones, reads nothing", () => {
  assert.deepEqual([...interleave([])], []);
  assert.deepEqual([...interleave([{ author: key(1), after: 5, upTo: 5 }])], []);
});
