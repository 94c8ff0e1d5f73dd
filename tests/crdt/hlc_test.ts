/**
 * @module hlc_test
 * Hybrid logical clock: ordering of stamps, validation of untrusted stamps,
 * and the clock's guarantees (strictly increasing, restorable, bounded drift)
 * under arbitrary wall times and remote stamps.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compareHlc,
  type Hlc,
  HLC_ZERO,
  HlcClock,
  isHlc,
  MAX_DRIFT_MS,
  MAX_HLC_COUNTER,
  maxHlc,
} from "../../src/crdt/hlc.ts";
import { assertJsonEquals } from "../helpers/assert.ts";

const show = (h: Hlc) => `(${h.wall},${h.counter},${JSON.stringify(h.node)})`;
function assertNewer(a: Hlc, b: Hlc, msg = ""): void {
  assert(
    compareHlc(a, b) > 0,
    `${msg ? `${msg}: ` : ""}${show(a)} should be newer than ${show(b)}`,
  );
}

const T0 = 1_700_000_000_000; // a realistic wall time

// ---------------------------------------------------------------------------
// Arbitraries

/** Walls that stand still, step back, jump far ahead, or sit at the extremes. */
const wallArb = fc.oneof(
  fc.integer({ min: 0, max: 20 }),
  fc.integer({ min: T0 - 5, max: T0 + 5 }),
  fc.integer({ min: T0 - 3 * MAX_DRIFT_MS, max: T0 + 3 * MAX_DRIFT_MS }),
  fc.constantFrom(0, T0, Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);
const nodeArb = fc.constantFrom("", "a", "b", "me", "zz");
/** Counters a well-behaved peer produces (the extreme counter has its own test). */
const counterArb = fc.oneof(fc.nat(5), fc.nat(2 ** 31));
const remoteArb: fc.Arbitrary<Hlc> = fc.record({
  wall: wallArb,
  counter: counterArb,
  node: nodeArb,
});
/** A remote stamp relative to the local wall time it is observed at. */
const observeArb = fc.record({
  at: wallArb,
  offset: fc.oneof(
    fc.integer({ min: -2 * MAX_DRIFT_MS, max: 2 * MAX_DRIFT_MS }),
    fc.constantFrom(MAX_DRIFT_MS, MAX_DRIFT_MS + 1, 0, -1),
  ),
  counter: counterArb,
  node: nodeArb,
});

type Step =
  | { kind: "now"; at: number }
  | { kind: "observe"; at: number; remote: Hlc }
  | { kind: "restart" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: wallArb.map((at): Step => ({ kind: "now", at })) },
  {
    weight: 2,
    arbitrary: observeArb.map((o): Step => ({
      kind: "observe",
      at: o.at,
      remote: {
        wall: Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, o.at + o.offset)),
        counter: o.counter,
        node: o.node,
      },
    })),
  },
  {
    weight: 1,
    arbitrary: remoteArb.map((remote): Step => ({ kind: "observe", at: remote.wall, remote })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "restart" }) },
);

const lastArb = fc.option(fc.record({ wall: wallArb, counter: counterArb }), { nil: undefined });

/** Small domain, so equal walls, counters and nodes are common. */
const smallHlcArb: fc.Arbitrary<Hlc> = fc.record({
  wall: fc.nat(3),
  counter: fc.nat(3),
  node: fc.constantFrom("", "a", "b", "ab", "B"),
});

// ---------------------------------------------------------------------------
// compareHlc, maxHlc, HLC_ZERO

Deno.test('HLC_ZERO is the frozen bottom stamp (0, 0, "")', () => {
  assertJsonEquals(HLC_ZERO, { wall: 0, counter: 0, node: "" });
  assert(Object.isFrozen(HLC_ZERO));
});

const compareCases: [string, Hlc, Hlc, -1 | 0 | 1][] = [
  ["wall decides first", { wall: 2, counter: 0, node: "a" }, { wall: 1, counter: 9, node: "z" }, 1],
  ["counter decides on equal walls", { wall: 1, counter: 1, node: "a" }, {
    wall: 1,
    counter: 2,
    node: "a",
  }, -1],
  ["node decides on equal wall and counter", { wall: 1, counter: 1, node: "b" }, {
    wall: 1,
    counter: 1,
    node: "a",
  }, 1],
  ["equal stamps compare equal", { wall: 5, counter: 3, node: "x" }, {
    wall: 5,
    counter: 3,
    node: "x",
  }, 0],
  ["the empty node sorts first", { wall: 1, counter: 1, node: "" }, {
    wall: 1,
    counter: 1,
    node: "a",
  }, -1],
  ["nodes compare by code unit (upper case first)", { wall: 1, counter: 1, node: "B" }, {
    wall: 1,
    counter: 1,
    node: "a",
  }, -1],
  ["walls beyond 2^32 compare exactly", { wall: 2 ** 40 + 1, counter: 0, node: "" }, {
    wall: 2 ** 40,
    counter: 7,
    node: "z",
  }, 1],
  ["HLC_ZERO is older than the first real stamp", HLC_ZERO, { wall: 0, counter: 0, node: "a" }, -1],
];
for (const [name, a, b, sign] of compareCases) {
  Deno.test(`compareHlc(): ${name}`, () => {
    assertJsonEquals(Math.sign(compareHlc(a, b)), sign, "compare(a, b)");
    assertJsonEquals(Math.sign(compareHlc(b, a)), -sign, "compare(b, a)");
  });
}

Deno.test("compareHlc() is a total order: reflexive, antisymmetric, transitive, 0 only for equal stamps", () => {
  fc.assert(
    fc.property(smallHlcArb, smallHlcArb, smallHlcArb, (a, b, c) => {
      assertJsonEquals(compareHlc(a, a), 0, "reflexive");
      assertJsonEquals(Math.sign(compareHlc(a, b)), -Math.sign(compareHlc(b, a)), "antisymmetric");
      const same = a.wall === b.wall && a.counter === b.counter && a.node === b.node;
      assertJsonEquals(compareHlc(a, b) === 0, same, "zero exactly for equal stamps");
      if (compareHlc(a, b) <= 0 && compareHlc(b, c) <= 0) {
        assert(compareHlc(a, c) <= 0, `transitive: ${show(a)} <= ${show(b)} <= ${show(c)}`);
      }
    }),
    { seed: 0x41c, numRuns: 3000 },
  );
});

Deno.test("compareHlc(): sorting any list gives a consistent pairwise order", () => {
  fc.assert(
    fc.property(fc.array(smallHlcArb, { maxLength: 30, size: "max" }), (xs) => {
      const sorted = [...xs].sort(compareHlc);
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) assert(compareHlc(sorted[i], sorted[j]) <= 0);
      }
    }),
    { seed: 0x5047, numRuns: 300 },
  );
});

Deno.test("HLC_ZERO is the minimum of every well-formed stamp", () => {
  fc.assert(
    fc.property(
      fc.record({
        wall: fc.oneof(fc.nat(3), fc.maxSafeNat()),
        counter: fc.oneof(fc.nat(3), fc.maxSafeNat()),
        node: fc.string(),
      }),
      (h) => {
        assert(isHlc(h));
        assert(compareHlc(HLC_ZERO, h) <= 0, `${show(h)} is older than zero`);
        assertJsonEquals(
          compareHlc(HLC_ZERO, h) === 0,
          h.wall === 0 && h.counter === 0 && h.node === "",
        );
      },
    ),
    { seed: 0x2e60, numRuns: 1000 },
  );
});

Deno.test("maxHlc() returns the newer stamp, whichever side it is on", () => {
  fc.assert(
    fc.property(smallHlcArb, smallHlcArb, (a, b) => {
      const m = maxHlc(a, b);
      assert(m === a || m === b);
      assert(compareHlc(m, a) >= 0 && compareHlc(m, b) >= 0);
      assertJsonEquals(compareHlc(maxHlc(b, a), m), 0, "commutative");
    }),
    { seed: 0x3a, numRuns: 500 },
  );
});

// ---------------------------------------------------------------------------
// isHlc

const isHlcCases: [string, unknown, boolean][] = [
  ["a real stamp", { wall: T0, counter: 3, node: "dev" }, true],
  ["HLC_ZERO", HLC_ZERO, true],
  ["the largest safe wall and counter", {
    wall: Number.MAX_SAFE_INTEGER,
    counter: Number.MAX_SAFE_INTEGER,
    node: "",
  }, true],
  ["extra fields are ignored", { wall: 1, counter: 1, node: "a", extra: true }, true],
  ["a negative wall", { wall: -1, counter: 0, node: "a" }, false],
  ["a negative counter", { wall: 1, counter: -1, node: "a" }, false],
  ["a fractional wall", { wall: 1.5, counter: 0, node: "a" }, false],
  ["a fractional counter", { wall: 1, counter: 0.5, node: "a" }, false],
  ["a NaN wall", { wall: NaN, counter: 0, node: "a" }, false],
  ["an infinite wall", { wall: Infinity, counter: 0, node: "a" }, false],
  ["a wall of 2^53 (not a safe integer)", { wall: 2 ** 53, counter: 0, node: "a" }, false],
  ["a counter of 2^53", { wall: 1, counter: 2 ** 53, node: "a" }, false],
  ["a wall given as a string", { wall: "1", counter: 0, node: "a" }, false],
  ["a wall given as a bigint", { wall: 1n, counter: 0, node: "a" }, false],
  ["a missing node", { wall: 1, counter: 0 }, false],
  ["a numeric node", { wall: 1, counter: 0, node: 7 }, false],
  ["a missing counter", { wall: 1, node: "a" }, false],
  ["null", null, false],
  ["undefined", undefined, false],
  ["a number", 5, false],
  ["an array", [1, 0, "a"], false],
];
for (const [name, value, ok] of isHlcCases) {
  Deno.test(`isHlc() ${ok ? "accepts" : "rejects"} ${name}`, () => {
    assertJsonEquals(isHlc(value), ok);
  });
}

// ---------------------------------------------------------------------------
// HlcClock: unit behaviour

Deno.test("HlcClock: a new clock starts at zero with its own node", () => {
  const c = new HlcClock("me");
  assertJsonEquals(c.last, { wall: 0, counter: 0, node: "me" });
  assertJsonEquals(c.node, "me");
});

const nowCases: { name: string; walls: number[]; want: [number, number][] }[] = [
  {
    name: "a later wall resets the counter",
    walls: [1000, 1001, 1005],
    want: [[1000, 0], [1001, 0], [1005, 0]],
  },
  {
    name: "an equal wall bumps the counter",
    walls: [1000, 1000, 1000],
    want: [[1000, 0], [1000, 1], [1000, 2]],
  },
  {
    name: "a wall stepping back keeps the wall and bumps the counter",
    walls: [1000, 400, 999, 1001],
    want: [[1000, 0], [1000, 1], [1000, 2], [1001, 0]],
  },
  { name: "a wall of 0 on a new clock bumps the counter", walls: [0, 0], want: [[0, 1], [0, 2]] },
  {
    name: "a huge forward jump is taken as is",
    walls: [1, Number.MAX_SAFE_INTEGER, 5],
    want: [[1, 0], [Number.MAX_SAFE_INTEGER, 0], [Number.MAX_SAFE_INTEGER, 1]],
  },
];
for (const { name, walls, want } of nowCases) {
  Deno.test(`HlcClock.now(): ${name}`, () => {
    const c = new HlcClock("me");
    const got = walls.map((w) => c.now(w)).map((h) => [h.wall, h.counter]);
    assertJsonEquals(got, want);
    assertJsonEquals(c.last, { wall: want.at(-1)![0], counter: want.at(-1)![1], node: "me" });
  });
}

Deno.test("HlcClock.now() stamps with the clock's node", () => {
  assertJsonEquals(new HlcClock("laptop").now(T0).node, "laptop");
});

Deno.test("HlcClock: a clock restored from a persisted `last` continues after it, even with the wall clock behind", () => {
  const a = new HlcClock("me");
  a.now(T0);
  a.now(T0);
  const saved = a.last;
  const b = new HlcClock("me", saved);
  assertJsonEquals(b.last, saved);
  assertNewer(b.now(T0 - 10_000), saved);
  assertNewer(new HlcClock("me", saved).now(T0), saved);
});

const observeCases: {
  name: string;
  remote: Hlc;
  at: number;
  advanced: boolean;
  aheadMs: number;
  last: [number, number];
}[] = [
  {
    name: "a newer remote stamp within the drift moves the clock",
    remote: { wall: T0 + 500, counter: 4, node: "r" },
    at: T0,
    advanced: true,
    aheadMs: 500,
    last: [T0 + 500, 4],
  },
  {
    name: "a remote stamp exactly MAX_DRIFT_MS ahead is still accepted",
    remote: { wall: T0 + MAX_DRIFT_MS, counter: 0, node: "r" },
    at: T0,
    advanced: true,
    aheadMs: MAX_DRIFT_MS,
    last: [T0 + MAX_DRIFT_MS, 0],
  },
  {
    name: "a remote stamp MAX_DRIFT_MS + 1 ahead does not move the clock",
    remote: { wall: T0 + MAX_DRIFT_MS + 1, counter: 0, node: "r" },
    at: T0,
    advanced: false,
    aheadMs: MAX_DRIFT_MS + 1,
    last: [T0 - 100, 2],
  },
  {
    name: "a remote stamp an hour ahead does not move the clock",
    remote: { wall: T0 + 3_600_000, counter: 9, node: "r" },
    at: T0,
    advanced: false,
    aheadMs: 3_600_000,
    last: [T0 - 100, 2],
  },
  {
    name: "an older remote stamp leaves the clock alone",
    remote: { wall: T0 - 5000, counter: 99, node: "r" },
    at: T0,
    advanced: true,
    aheadMs: 0,
    last: [T0 - 100, 2],
  },
  {
    name: "an equal wall with a higher counter takes the counter",
    remote: { wall: T0 - 100, counter: 7, node: "r" },
    at: T0,
    advanced: true,
    aheadMs: 0,
    last: [T0 - 100, 7],
  },
  {
    name: "an equal wall with a lower counter leaves the clock alone",
    remote: { wall: T0 - 100, counter: 1, node: "r" },
    at: T0,
    advanced: true,
    aheadMs: 0,
    last: [T0 - 100, 2],
  },
  {
    name: "ahead of local time but behind the clock (wall stepped back) is not skew",
    remote: { wall: T0 - 200, counter: 0, node: "r" },
    at: T0 - 300,
    advanced: true,
    aheadMs: 100,
    last: [T0 - 100, 2],
  },
];
for (const c of observeCases) {
  Deno.test(`HlcClock.observe(): ${c.name}`, () => {
    const clock = new HlcClock("me", { wall: T0 - 100, counter: 2 });
    assertJsonEquals(clock.observe(c.remote, c.at), { advanced: c.advanced, aheadMs: c.aheadMs });
    assertJsonEquals([clock.last.wall, clock.last.counter], c.last);
    assertJsonEquals(clock.last.node, "me", "observing never adopts the remote node");
  });
}

Deno.test("HlcClock.observe() then now(): the next local stamp is newer than the observed one", () => {
  const clock = new HlcClock("a");
  const remote = { wall: T0 + 10, counter: 3, node: "z" };
  clock.observe(remote, T0);
  assertNewer(clock.now(T0), remote);
  // Same wall and counter as ours but a greater node: still strictly before our next stamp.
  const c2 = new HlcClock("a", { wall: T0, counter: 0 });
  const tie = { wall: T0, counter: 0, node: "zzz" };
  c2.observe(tie, T0);
  assertNewer(c2.now(T0), tie);
});

Deno.test("HlcClock: a device with a clock an hour ahead does not drag the others forward (sketch bug fixed)", () => {
  const hour = 3_600_000;
  const future = new HlcClock("future");
  const a = new HlcClock("a");
  const b = new HlcClock("b");
  const skewed = future.now(T0 + hour);
  // a sees the skewed stamp: the skew is reported, a's clock does not move.
  assertJsonEquals(a.observe(skewed, T0), { advanced: false, aheadMs: hour });
  const aStamp = a.now(T0 + 1);
  assertJsonEquals([aStamp.wall, aStamp.counter], [T0 + 1, 0]);
  // b learns from a: nothing of the future leaks through a.
  assertJsonEquals(b.observe(aStamp, T0 + 2), { advanced: true, aheadMs: 0 });
  const bStamp = b.now(T0 + 2);
  assertJsonEquals([bStamp.wall, bStamp.counter], [T0 + 2, 0]);
  // Once real time catches up to within the drift, the stamp is accepted.
  assertJsonEquals(a.observe(skewed, T0 + hour - MAX_DRIFT_MS), {
    advanced: true,
    aheadMs: MAX_DRIFT_MS,
  });
  assertNewer(a.now(T0 + hour - MAX_DRIFT_MS), skewed);
});

Deno.test("HlcClock.now() stays strictly increasing and well-formed after observing a stamp with the largest safe counter", () => {
  // isHlc accepts this stamp, so a peer may legitimately send it (or a buggy one may).
  const remote = { wall: T0, counter: Number.MAX_SAFE_INTEGER, node: "r" };
  assert(isHlc(remote));
  const clock = new HlcClock("me", { wall: T0 - 1, counter: 0 });
  assertJsonEquals(clock.observe(remote, T0), { advanced: true, aheadMs: 0 });
  const stamps = [clock.now(T0), clock.now(T0), clock.now(T0)]; // the wall clock has not moved on yet
  const problems: string[] = [];
  let prev: Hlc = remote;
  for (const [i, s] of stamps.entries()) {
    if (compareHlc(s, prev) <= 0) {
      problems.push(`stamp ${i} ${show(s)} is not newer than ${show(prev)}`);
    }
    if (!isHlc(s)) problems.push(`stamp ${i} ${show(s)} is not a well-formed HLC`);
    prev = s;
  }
  assert(problems.length === 0, problems.join("; "));
});

Deno.test("HlcClock.now() never issues a counter above MAX_HLC_COUNTER, even after observing one at the limit", () => {
  // A member's entry may carry counter 2^32-1 with a wall up to the drift ahead of ours:
  // the next local stamps must still fit in an entry.
  const clock = new HlcClock("me");
  const remote = { wall: T0 + MAX_DRIFT_MS, counter: MAX_HLC_COUNTER, node: "r" };
  assert(clock.observe(remote, T0).advanced);
  const a = clock.now(T0), b = clock.now(T0);
  assertJsonEquals([a.wall, a.counter], [T0 + MAX_DRIFT_MS + 1, 0]);
  assertNewer(a, remote);
  assertNewer(b, a);
  assert(b.counter <= MAX_HLC_COUNTER);
});

// ---------------------------------------------------------------------------
// HlcClock: properties

Deno.test("HlcClock.now() is strictly increasing and above every accepted remote stamp, across observes and restarts", () => {
  fc.assert(
    fc.property(lastArb, fc.array(stepArb, { maxLength: 60, size: "max" }), (start, steps) => {
      let clock = new HlcClock("me", start);
      let prev: Hlc = clock.last; // the persisted stamp counts as issued
      let newestAccepted: Hlc = HLC_ZERO;
      for (const step of steps) {
        if (step.kind === "restart") {
          clock = new HlcClock("me", clock.last);
        } else if (step.kind === "now") {
          const s = clock.now(step.at);
          assertNewer(s, prev, "strictly increasing");
          assertNewer(s, newestAccepted, "newer than every accepted remote stamp");
          assert(isHlc(s), `well-formed ${show(s)}`);
          assertJsonEquals(s.node, "me");
          prev = s;
        } else {
          const before = clock.last;
          const r = clock.observe(step.remote, step.at);
          assertJsonEquals(r.aheadMs, Math.max(0, step.remote.wall - step.at), "aheadMs");
          assertJsonEquals(r.advanced, r.aheadMs <= MAX_DRIFT_MS, "advanced iff within drift");
          if (r.advanced) newestAccepted = maxHlc(newestAccepted, step.remote);
          else assertJsonEquals(clock.last, before, "a rejected stamp leaves the clock untouched");
          assert(compareHlc(clock.last, before) >= 0, "observe never moves the clock back");
        }
      }
    }),
    { seed: 0x41c0c, numRuns: 1500 },
  );
});

Deno.test("HlcClock: after observe(r) within the drift, the next now() is newer than r whatever the wall time", () => {
  fc.assert(
    fc.property(
      lastArb,
      fc.array(stepArb, { maxLength: 20, size: "max" }),
      observeArb.filter((o) => o.offset <= MAX_DRIFT_MS),
      wallArb,
      (start, prefix, o, nextWall) => {
        const clock = new HlcClock("me", start);
        for (const s of prefix) {
          if (s.kind === "now") clock.now(s.at);
          else if (s.kind === "observe") clock.observe(s.remote, s.at);
        }
        const remote = { wall: Math.max(0, o.at + o.offset), counter: o.counter, node: o.node };
        fc.pre(remote.wall <= Number.MAX_SAFE_INTEGER);
        assertJsonEquals(clock.observe(remote, o.at).advanced, true);
        assertNewer(clock.now(nextWall), remote);
      },
    ),
    { seed: 0x0b5, numRuns: 1500 },
  );
});

Deno.test("HlcClock: a remote stamp more than MAX_DRIFT_MS ahead never moves the clock", () => {
  fc.assert(
    fc.property(
      lastArb,
      fc.array(stepArb, { maxLength: 20, size: "max" }),
      fc.integer({ min: 0, max: T0 }),
      fc.oneof(
        fc.integer({ min: MAX_DRIFT_MS + 1, max: MAX_DRIFT_MS + 10 }),
        fc.integer({ min: MAX_DRIFT_MS + 1, max: 2 ** 40 }),
      ),
      remoteArb,
      fc.array(wallArb, { minLength: 1, maxLength: 5 }),
      (start, prefix, at, ahead, shape, later) => {
        // Two identical clocks; only one of them sees the far-future stamp.
        const seen = new HlcClock("me", start);
        const twin = new HlcClock("me", start);
        for (const s of prefix) {
          for (const c of [seen, twin]) {
            if (s.kind === "now") c.now(s.at);
            else if (s.kind === "observe") c.observe(s.remote, s.at);
          }
        }
        const remote = { wall: at + ahead, counter: shape.counter, node: shape.node };
        assertJsonEquals(seen.observe(remote, at), { advanced: false, aheadMs: ahead });
        assertJsonEquals(seen.last, twin.last);
        for (const w of later) {
          assertJsonEquals(seen.now(w), twin.now(w), "later stamps are as if never seen");
        }
      },
    ),
    { seed: 0xd21f7, numRuns: 1000 },
  );
});

Deno.test("HlcClock: restoring from `last` at any point gives the same stamps as never stopping", () => {
  fc.assert(
    fc.property(lastArb, fc.array(stepArb, { maxLength: 40, size: "max" }), (start, steps) => {
      const kept = new HlcClock("me", start);
      let restarted = new HlcClock("me", start);
      for (const s of steps) {
        if (s.kind === "restart") restarted = new HlcClock("me", restarted.last);
        else if (s.kind === "now") assertJsonEquals(restarted.now(s.at), kept.now(s.at));
        else assertJsonEquals(restarted.observe(s.remote, s.at), kept.observe(s.remote, s.at));
      }
      assertJsonEquals(restarted.last, kept.last);
    }),
    { seed: 0x7e57a, numRuns: 500 },
  );
});
