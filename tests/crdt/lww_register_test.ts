/**
 * @module lww_register_test
 * Last-writer-wins register: ordering of writes, the bottom register, and the
 * join laws of `mergeRegisters`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Hlc, HLC_ZERO, HlcClock } from "../../src/crdt/hlc.ts";
import { canonicalJson, type Json } from "../../src/crdt/json.ts";
import {
  compareWrites,
  LWW_BOTTOM,
  type LwwRegister,
  mergeRegisters,
} from "../../src/crdt/lww_register.ts";

/** A register as text: its stamp and the canonical text of its value. */
function show(r: LwwRegister): string {
  return `(${r.stamp.wall},${r.stamp.counter},${JSON.stringify(r.stamp.node)})=${
    canonicalJson(r.value) || "<absent>"
  }`;
}
function assertSameWrite(actual: LwwRegister, expected: LwwRegister, msg = ""): void {
  if (show(actual) !== show(expected)) {
    throw new Error(`${msg ? `${msg}: ` : ""}expected ${show(expected)}, got ${show(actual)}`);
  }
}

const T0 = 1_700_000_000_000;
const h = (wall: number, counter = 0, node = "a"): Hlc => ({ wall, counter, node });
const w = (stamp: Hlc, value: Json | undefined): LwwRegister => ({ stamp, value });

// Small domains, so equal stamps and equal values are common.
const stampArb: fc.Arbitrary<Hlc> = fc.record({
  wall: fc.nat(3),
  counter: fc.nat(2),
  node: fc.constantFrom("", "a", "b"),
});
const valueArb: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom<Json>(null, 0, 1, "", "a", "b", true, [], {}, [1], { a: 1, b: 2 }, {
    b: 2,
    a: 1,
  }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as Json), // no -0
);
const writeArb: fc.Arbitrary<LwwRegister> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(LWW_BOTTOM as LwwRegister) },
  { weight: 8, arbitrary: fc.record({ stamp: stampArb, value: valueArb }) },
);

// ---------------------------------------------------------------------------
// Unit tests

Deno.test('LWW_BOTTOM is the frozen absent register stamped HLC_ZERO (never "now")', () => {
  assert(LWW_BOTTOM.stamp === HLC_ZERO);
  assert(LWW_BOTTOM.value === undefined);
  assert(Object.isFrozen(LWW_BOTTOM));
});

const compareCases: [string, LwwRegister, LwwRegister, -1 | 0 | 1][] = [
  ["the newer stamp wins whatever the values", w(h(2), "a"), w(h(1), "z"), 1],
  ["the newer counter wins", w(h(1, 1), null), w(h(1, 0), "x"), 1],
  ["the node breaks an equal wall and counter", w(h(1, 0, "b"), "a"), w(h(1, 0, "a"), "z"), 1],
  ["a newer delete beats an older set", w(h(2), undefined), w(h(1), "x"), 1],
  ["on equal stamps a value beats absent", w(h(1), null), w(h(1), undefined), 1],
  ["on equal stamps the value with the greater canonical text wins", w(h(1), "b"), w(h(1), "a"), 1],
  ['on equal stamps numbers compare by text ("10" < "9")', w(h(1), 10), w(h(1), 9), -1],
  ["equal stamps and equal values are equal", w(h(1), [1, { a: 2 }]), w(h(1), [1, { a: 2 }]), 0],
  ["key order does not make values differ", w(h(1), { a: 1, b: 2 }), w(h(1), { b: 2, a: 1 }), 0],
  ["0 and -0 are the same value", w(h(1), 0), w(h(1), -0), 0],
  ["two absent registers with equal stamps are equal", w(h(1), undefined), w(h(1), undefined), 0],
  ["any real write beats the bottom register", w(h(0, 0, "a"), undefined), LWW_BOTTOM, 1],
  ["a value stamped zero still beats the bottom register", w(HLC_ZERO, null), LWW_BOTTOM, 1],
];
for (const [name, a, b, sign] of compareCases) {
  Deno.test(`compareWrites(): ${name}`, () => {
    assert.equal(Math.sign(compareWrites(a, b)), sign, "compare(a, b)");
    assert.equal(Math.sign(compareWrites(b, a)), -sign || 0, "compare(b, a)");
    assertSameWrite(mergeRegisters(a, b), sign >= 0 ? a : b, "merge(a, b)");
    assertSameWrite(mergeRegisters(b, a), sign >= 0 ? a : b, "merge(b, a)");
  });
}

Deno.test("mergeRegisters(): a default register never beats a remote write (sketch's LWWRegister::new bug absent)", () => {
  // The sketch stamped the default with "now", so a fresh local default beat
  // an older remote preference. The bottom register loses to every write.
  const clock = new HlcClock("remote");
  const remote = w(clock.now(T0 - 86_400_000), "dark"); // written yesterday
  assertSameWrite(mergeRegisters(LWW_BOTTOM, remote), remote);
  assertSameWrite(mergeRegisters(remote, LWW_BOTTOM), remote);
  const remoteDelete = w(clock.now(T0 - 86_400_000), undefined);
  assert(compareWrites(remoteDelete, LWW_BOTTOM) > 0, "a remote delete beats the default too");
});

Deno.test("mergeRegisters(): a write stamped by the device clock after observing a remote write beats it", () => {
  // The sketch stamped `set` with a fresh global now: a later local write could lose.
  const remoteClock = new HlcClock("b");
  const remote = w(remoteClock.now(T0 + 5_000), "remote"); // b's clock runs 5 s ahead
  const local = new HlcClock("a");
  local.observe(remote.stamp, T0);
  const mine = w(local.now(T0), "mine"); // our wall clock is behind b's
  assertSameWrite(mergeRegisters(remote, mine), mine);
});

// ---------------------------------------------------------------------------
// Properties

Deno.test("compareWrites() is a total order consistent with mergeRegisters()", () => {
  fc.assert(
    fc.property(writeArb, writeArb, writeArb, (a, b, c) => {
      assert.equal(compareWrites(a, a), 0, "reflexive");
      assert.equal(
        Math.sign(compareWrites(a, b)),
        -Math.sign(compareWrites(b, a)) || 0,
        "antisymmetric",
      );
      if (compareWrites(a, b) <= 0 && compareWrites(b, c) <= 0) {
        assert(compareWrites(a, c) <= 0, "transitive");
      }
      assert.equal(compareWrites(a, b) === 0, show(a) === show(b), "0 only for the same write");
    }),
    { seed: 0x1ee, numRuns: 3000 },
  );
});

Deno.test("mergeRegisters() is commutative, associative and idempotent", () => {
  fc.assert(
    fc.property(writeArb, writeArb, writeArb, (a, b, c) => {
      assertSameWrite(mergeRegisters(a, b), mergeRegisters(b, a), "commutative");
      assertSameWrite(
        mergeRegisters(mergeRegisters(a, b), c),
        mergeRegisters(a, mergeRegisters(b, c)),
        "associative",
      );
      assertSameWrite(mergeRegisters(a, a), a, "idempotent");
      assertSameWrite(mergeRegisters(a, LWW_BOTTOM), a, "bottom is the identity");
    }),
    { seed: 0xa55, numRuns: 3000 },
  );
});

Deno.test("mergeRegisters(): equal-stamp writes with different values pick the same winner in every order", () => {
  fc.assert(
    fc.property(
      stampArb,
      fc.uniqueArray(valueArb, { minLength: 2, maxLength: 6, selector: (v) => canonicalJson(v) }),
      fc.array(fc.nat(), { maxLength: 20, size: "max" }),
      (stamp, values, swaps) => {
        const writes = values.map((v) => w(stamp, v));
        const shuffled = [...writes];
        for (const [i, s] of swaps.entries()) {
          const j = i % shuffled.length;
          const k = s % shuffled.length;
          [shuffled[j], shuffled[k]] = [shuffled[k], shuffled[j]];
        }
        const a = writes.reduce(mergeRegisters, LWW_BOTTOM as LwwRegister);
        const b = shuffled.reduceRight(mergeRegisters, LWW_BOTTOM as LwwRegister);
        assertSameWrite(a, b, "replicas folding in different orders");
        const best = values.map(canonicalJson).sort().at(-1)!;
        assert.equal(canonicalJson(a.value), best, "the greatest canonical text wins");
      },
    ),
    { seed: 0x7e, numRuns: 1000 },
  );
});

Deno.test("mergeRegisters(): the result is never older than any write offered", () => {
  fc.assert(
    fc.property(fc.array(writeArb, { maxLength: 20, size: "max" }), (writes) => {
      let r: LwwRegister = LWW_BOTTOM;
      for (const x of writes) {
        r = mergeRegisters(r, x);
        for (const seen of writes.slice(0, writes.indexOf(x) + 1)) {
          assert(compareWrites(r, seen) >= 0, `${show(r)} is older than ${show(seen)}`);
        }
      }
      assert(r === LWW_BOTTOM || writes.includes(r), "the result is one of the writes");
    }),
    { seed: 0x01d, numRuns: 1000 },
  );
});
