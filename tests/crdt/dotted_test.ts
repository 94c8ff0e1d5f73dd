/**
 * @module dotted_test
 * Dotted versions (src/crdt/dotted.ts), the CRDT behind config, preferences
 * and patterns, as properties over random histories: authors make entries of
 * writes (values, tombstones, pure removes, legacy writes without an
 * observed list) naming random dots — existing, removed, not yet made, their
 * own. Every delivery order that keeps each author's sequence must give, after
 * every step, exactly the state a model computes from the set of entries
 * applied so far:
 * - versions: the puts no applied write observed, minus legacy versions
 *   stamped below the key's newest legacy stamp;
 * - parked dots: the dots applied writes observed whose entry is not applied;
 * - floors: the newest legacy stamp per key.
 * So the state is a function of the set of applied entries (a join), a write
 * removes exactly what it observed, and parked removes never leak.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyWrite,
  compareVersions,
  type Dot,
  type DottedBackend,
  newest,
  shownValue,
  type Version,
  type Write,
} from "../../src/crdt/dotted.ts";
import { compareHlc, type Hlc } from "../../src/crdt/hlc.ts";
import { canonicalJson, type Json } from "../../src/crdt/json.ts";
import { rng } from "../helpers/random.ts";

const dotId = (d: Dot) => `${d.author}#${d.seq}`;

/** A plain in-memory backend; `markSeen` is what the fold does after an entry. */
class MapBackend implements DottedBackend {
  readonly versionsByKey = new Map<string, Map<string, Version>>();
  readonly parkedByKey = new Map<string, Map<string, Dot>>();
  readonly floors = new Map<string, Hlc>();
  readonly seenBy = new Map<string, number>();

  versions(key: string): Version[] {
    return [...(this.versionsByKey.get(key)?.values() ?? [])];
  }
  put(key: string, v: Version): void {
    const m = this.versionsByKey.get(key) ?? new Map();
    m.set(dotId(v.dot), v);
    this.versionsByKey.set(key, m);
  }
  remove(key: string, dot: Dot): boolean {
    return this.versionsByKey.get(key)?.delete(dotId(dot)) ?? false;
  }
  isParked(key: string, dot: Dot): boolean {
    return this.parkedByKey.get(key)?.has(dotId(dot)) ?? false;
  }
  park(key: string, dot: Dot): void {
    const m = this.parkedByKey.get(key) ?? new Map();
    m.set(dotId(dot), dot);
    this.parkedByKey.set(key, m);
  }
  seen(author: string): number {
    return this.seenBy.get(author) ?? 0;
  }
  floor(key: string): Hlc | undefined {
    return this.floors.get(key);
  }
  setFloor(key: string, stamp: Hlc): void {
    this.floors.set(key, stamp);
  }
  markSeen(author: string, seq: number): void {
    this.seenBy.set(author, seq);
    for (const m of this.parkedByKey.values()) {
      for (const [id, d] of m) if (d.author === author && d.seq <= seq) m.delete(id);
    }
  }

  /** Canonical text of everything held. */
  snapshot(): string {
    const versions = [...this.versionsByKey].flatMap(([k, m]) =>
      [...m.values()].map((
        v,
      ) => [k, dotId(v.dot), v.stamp.wall, v.stamp.counter, v.legacy ?? false, v.value ?? null])
    );
    const parked = [...this.parkedByKey].flatMap(([k, m]) =>
      [...m.values()].map((d) => [k, dotId(d)])
    );
    const floors = [...this.floors].map(([k, h]) => [k, h.wall, h.counter, h.node]);
    const sort = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
    return JSON.stringify([sort(versions), sort(parked), sort(floors)]);
  }
}

// ---------------------------------------------------------------------------
// Random histories

const AUTHORS = ["a", "b", "c"];
const KEYS = ["k", "l"];

interface TestWrite {
  key: string;
  put: Write["put"];
  observed: Dot[] | undefined;
}
interface TestEntry {
  dot: Dot;
  stamp: Hlc;
  writes: TestWrite[];
}

const dotArb = fc.record({
  author: fc.constantFrom(...AUTHORS),
  seq: fc.integer({ min: 1, max: 6 }),
});
const writeArb: fc.Arbitrary<Omit<TestWrite, "key">> = fc.oneof(
  fc.record({
    put: fc.oneof(
      fc.integer({ min: 0, max: 9 }).map((value) => ({ value: value as Json })),
      fc.constant("tombstone" as const),
      fc.constant("none" as const),
    ),
    observed: fc.array(dotArb, { maxLength: 3 }),
  }),
  // Legacy writes: a value or a tombstone, no observed list.
  fc.record({
    put: fc.oneof(
      fc.integer({ min: 0, max: 9 }).map((value) => ({ value: value as Json })),
      fc.constant("tombstone" as const),
    ),
    observed: fc.constant(undefined),
  }),
);
const entryArb = fc.record({
  author: fc.nat(AUTHORS.length - 1),
  wall: fc.integer({ min: 0, max: 4 }),
  counter: fc.integer({ min: 0, max: 1 }),
  // At most one write per key (the fold merges several writes to one key in an entry).
  writes: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), writeArb), {
    minLength: 1,
    maxLength: 2,
    selector: ([k]) => k,
  }),
});

/** Entries with per-author seqs assigned in order. */
const historyArb: fc.Arbitrary<TestEntry[]> = fc.array(entryArb, { minLength: 1, maxLength: 14 })
  .map((raw) => {
    const seqs = new Map<string, number>();
    return raw.map((e) => {
      const author = AUTHORS[e.author];
      const seq = (seqs.get(author) ?? 0) + 1;
      seqs.set(author, seq);
      return {
        dot: { author, seq },
        stamp: { wall: e.wall, counter: e.counter, node: author },
        writes: e.writes.map(([key, w]) => ({ key, ...w })),
      };
    });
  });

/** A backend that also replaces a version in one step (as SQLite does with one statement). */
class ReplacingBackend extends MapBackend {
  replaced = 0;
  replace(key: string, old: Dot, v: Version): boolean {
    if (!this.remove(key, old)) return false;
    this.put(key, v);
    this.replaced++;
    return true;
  }
}

function apply(b: MapBackend, e: TestEntry): void {
  for (const w of e.writes) {
    applyWrite(b, w.key, { dot: e.dot, stamp: e.stamp, put: w.put, observed: w.observed });
  }
  b.markSeen(e.dot.author, e.dot.seq);
}

/** The state the set `applied` must give, computed without applyWrite. */
function model(applied: readonly TestEntry[]): string {
  const b = new MapBackend();
  const seen = new Map<string, number>();
  for (const e of applied) seen.set(e.dot.author, Math.max(seen.get(e.dot.author) ?? 0, e.dot.seq));
  for (const key of KEYS) {
    const writes = applied.flatMap((e) =>
      e.writes.filter((w) => w.key === key).map((w) => ({ e, w }))
    );
    const observed = new Set(writes.flatMap(({ w }) => (w.observed ?? []).map(dotId)));
    const legacy = writes.filter(({ w }) => w.observed === undefined);
    let floor: Hlc | undefined;
    for (const { e } of legacy) {
      if (floor === undefined || compareHlc(e.stamp, floor) > 0) floor = e.stamp;
    }
    if (floor !== undefined) b.setFloor(key, floor);
    for (const { e, w } of writes) {
      if (w.put === "none" || observed.has(dotId(e.dot))) continue;
      const isLegacy = w.observed === undefined;
      if (isLegacy && compareHlc(e.stamp, floor!) < 0) continue;
      const value = w.put === "tombstone" ? undefined : w.put.value;
      b.put(key, { dot: e.dot, stamp: e.stamp, value, ...(isLegacy ? { legacy: true } : {}) });
    }
    for (const { w } of writes) {
      for (const d of w.observed ?? []) if (d.seq > (seen.get(d.author) ?? 0)) b.park(key, d);
    }
  }
  return b.snapshot();
}

/** A random interleaving of `history` keeping each author's order. */
function deliveryOrder(history: readonly TestEntry[], seed: number): TestEntry[] {
  const random = rng(seed);
  const queues = AUTHORS.map((a) => history.filter((e) => e.dot.author === a)).filter((q) =>
    q.length
  );
  const out: TestEntry[] = [];
  while (queues.length > 0) {
    const i = Math.floor(random() * queues.length);
    out.push(queues[i].shift()!);
    if (queues[i].length === 0) queues.splice(i, 1);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Properties

Deno.test("applyWrite(): after every step of any per-author-ordered delivery, the state is the model of the entries applied", () => {
  fc.assert(
    fc.property(
      historyArb,
      fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
      (history, seeds) => {
        const finals = new Set<string>();
        for (const seed of seeds) {
          const b = new MapBackend();
          const applied: TestEntry[] = [];
          for (const e of deliveryOrder(history, seed)) {
            apply(b, e);
            applied.push(e);
            assert.equal(b.snapshot(), model(applied));
          }
          finals.add(b.snapshot());
        }
        assert.equal(finals.size, 1, "every delivery order ends in the same state");
      },
    ),
    { seed: 61, numRuns: 1500 },
  );
});

Deno.test("applyWrite(): a backend that replaces in one step gives the model's state after every step, a self-observing write included", () => {
  let replaced = 0, selfObserving = 0;
  fc.assert(
    fc.property(historyArb, fc.nat(), (history, seed) => {
      const b = new ReplacingBackend();
      const applied: TestEntry[] = [];
      for (const e of deliveryOrder(history, seed)) {
        apply(b, e);
        applied.push(e);
        assert.equal(b.snapshot(), model(applied));
        for (const w of e.writes) {
          if (w.observed?.some((d) => d.author === e.dot.author && d.seq === e.dot.seq)) {
            selfObserving++;
          }
        }
      }
      replaced += b.replaced;
    }),
    { seed: 67, numRuns: 1500 },
  );
  // The one-step path and the cases it must leave to the general path both ran.
  assert.ok(replaced > 30, `replaced ${replaced}`);
  assert.ok(selfObserving > 10, `self-observing writes ${selfObserving}`);
});

Deno.test("applyWrite(): re-applying an entry already applied changes nothing", () => {
  fc.assert(
    fc.property(historyArb, fc.nat(), (history, pick) => {
      const b = new MapBackend();
      for (const e of history) apply(b, e);
      const before = b.snapshot();
      apply(b, history[pick % history.length]);
      assert.equal(b.snapshot(), before);
    }),
    { seed: 62, numRuns: 500 },
  );
});

const h = (wall: number, node: string, counter = 0): Hlc => ({ wall, counter, node });
const w = (
  author: string,
  seq: number,
  wall: number,
  put: Write["put"],
  observed?: Dot[],
): Write => ({
  dot: { author, seq },
  stamp: h(wall, author),
  put,
  observed,
});

Deno.test("applyWrite(): a write removes exactly the versions it observed, whatever their stamps", () => {
  const b = new MapBackend();
  applyWrite(b, "k", w("a", 1, 1000, { value: "x" }, []));
  b.markSeen("a", 1);
  applyWrite(b, "k", w("b", 1, 999, { value: "y" }, []));
  b.markSeen("b", 1);
  applyWrite(b, "k", w("c", 1, 1, { value: "z" }, [{ author: "a", seq: 1 }]));
  b.markSeen("c", 1);
  assert.deepEqual(b.versions("k").map((v) => dotId(v.dot)).sort(), ["b#1", "c#1"]);
  assert.equal(shownValue(b.versions("k")), "y", "among the siblings left, the newest stamp shows");
});

Deno.test("applyWrite(): a remove that arrives before its add is parked, voids the add, then is dropped", () => {
  const b = new MapBackend();
  applyWrite(b, "k", w("b", 1, 5, "none", [{ author: "a", seq: 2 }]));
  b.markSeen("b", 1);
  assert.ok(b.isParked("k", { author: "a", seq: 2 }));
  applyWrite(b, "k", w("a", 1, 1, { value: 1 }, []));
  b.markSeen("a", 1);
  assert.ok(b.isParked("k", { author: "a", seq: 2 }), "still waiting for a#2");
  applyWrite(b, "k", w("a", 2, 2, { value: 2 }, []));
  b.markSeen("a", 2);
  assert.deepEqual(b.versions("k").map((v) => v.value), [1]);
  assert.equal(b.isParked("k", { author: "a", seq: 2 }), false);
});

Deno.test("applyWrite(): removing a dot already covered and gone parks nothing", () => {
  const b = new MapBackend();
  applyWrite(b, "k", w("a", 1, 1, { value: 1 }, []));
  b.markSeen("a", 1);
  applyWrite(b, "k", w("b", 1, 2, "tombstone", [{ author: "a", seq: 1 }]));
  b.markSeen("b", 1);
  applyWrite(b, "k", w("c", 1, 3, "none", [{ author: "a", seq: 1 }]));
  b.markSeen("c", 1);
  assert.equal(
    b.snapshot(),
    JSON.stringify([[JSON.stringify(["k", "b#1", 2, 0, false, null])], [], []]),
  );
});

Deno.test("applyWrite(): a legacy write never removes a new-format version, and legacy below the floor is void", () => {
  const b = new MapBackend();
  applyWrite(b, "k", w("a", 1, 10, { value: "new" }, []));
  applyWrite(b, "k", w("b", 1, 50, { value: "legacy50" }));
  applyWrite(b, "k", w("c", 1, 40, { value: "legacy40" }));
  assert.deepEqual(b.versions("k").map((v) => v.value).sort(), ["legacy50", "new"]);
  assert.deepEqual(b.floor("k"), h(50, "b"));
  applyWrite(b, "k", w("c", 2, 60, "tombstone"));
  assert.deepEqual(b.versions("k").map((v) => v.value ?? null).sort(), ["new", null]);
});

// ---------------------------------------------------------------------------
// Ordering

const versionArb: fc.Arbitrary<Version> = fc.record({
  dot: dotArb,
  stamp: fc.record({ wall: fc.nat(3), counter: fc.nat(2), node: fc.constantFrom(...AUTHORS) }),
  value: fc.option(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("a", "b")), {
    nil: undefined,
  }),
});

Deno.test("compareVersions() is a total order: antisymmetric, transitive, zero only for equal versions", () => {
  fc.assert(
    fc.property(versionArb, versionArb, versionArb, (a, b, c) => {
      assert.equal(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a)), 0);
      if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) {
        assert.ok(compareVersions(a, c) <= 0);
      }
      const same = compareHlc(a.stamp, b.stamp) === 0 && dotId(a.dot) === dotId(b.dot) &&
        canonicalJson(a.value) === canonicalJson(b.value);
      assert.equal(compareVersions(a, b) === 0, same);
    }),
    { seed: 63, numRuns: 3000 },
  );
});

Deno.test("newest() is the maximum whatever the input order; shownValue() is its value", () => {
  fc.assert(
    fc.property(fc.array(versionArb, { maxLength: 6 }), fc.nat(), (vs, seed) => {
      const random = rng(seed);
      const shuffled = vs.map((v) => [random(), v] as const).sort(([x], [y]) => x - y)
        .map(([, v]) => v);
      const top = newest(vs);
      if (top === undefined) {
        assert.equal(vs.length, 0);
        assert.equal(shownValue(vs), undefined);
        return;
      }
      for (const v of vs) assert.ok(compareVersions(v, top) <= 0);
      assert.equal(compareVersions(newest(shuffled)!, top), 0);
      assert.equal(shownValue(vs), top.value);
    }),
    { seed: 64, numRuns: 1000 },
  );
});
