/**
 * @module lww_map_test
 * Map of last-writer-wins registers: per-key convergence, removals that stick,
 * the join laws of `merge`, and compaction of stable removals.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { compareHlc, type Hlc } from "../../src/crdt/hlc.ts";
import { canonicalJson, type Json } from "../../src/crdt/json.ts";
import { compareWrites, LWW_BOTTOM, type LwwRegister } from "../../src/crdt/lww_register.ts";
import { LwwMap } from "../../src/crdt/lww_map.ts";

/** Text of any value in these tests (undefined shown, -0 kept apart from 0). */
function show(x: unknown): string {
  return JSON.stringify(
    x,
    (_k, v) => v === undefined ? "<undefined>" : Object.is(v, -0) ? "<-0>" : v,
  );
}
function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new Error(`${msg ? `${msg}: ` : ""}expected ${e}, got ${a}`);
}
/** Registers as text, key order of values ignored (canonical JSON). */
function regs(m: LwwMap): string {
  return m.registers().map(([k, r]) =>
    `${k}@${r.stamp.wall}.${r.stamp.counter}.${r.stamp.node}=${
      canonicalJson(r.value) || "<absent>"
    }`
  ).join(" ");
}
function assertSameMap(actual: LwwMap, expected: LwwMap, msg = ""): void {
  const a = regs(actual);
  const e = regs(expected);
  if (a !== e) throw new Error(`${msg ? `${msg}: ` : ""}\nexpected ${e}\ngot      ${a}`);
}

const h = (wall: number, counter = 0, node = "a"): Hlc => ({ wall, counter, node });

// ---------------------------------------------------------------------------
// Arbitraries: small domains so keys, stamps and values collide often.

const keyArb = fc.constantFrom("theme", "font", "lang", "");
const stampArb: fc.Arbitrary<Hlc> = fc.record({
  wall: fc.nat(4),
  counter: fc.nat(1),
  node: fc.constantFrom("a", "b"),
});
const valueArb: fc.Arbitrary<Json | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom<Json>("dark", "light", 0, 1, null, { a: 1, b: [2] }, { b: [2], a: 1 }),
);
const writeArb = fc.record({ key: keyArb, stamp: stampArb, value: valueArb });
type Write = { key: string; stamp: Hlc; value: Json | undefined };
const build = (writes: Write[]): LwwMap => {
  const m = new LwwMap();
  for (const x of writes) m.apply(x.key, { stamp: x.stamp, value: x.value });
  return m;
};
const mapArb = fc.array(writeArb, { maxLength: 12, size: "max" }).map(build);

// ---------------------------------------------------------------------------
// Unit tests

Deno.test("LwwMap: an empty map has no entries and answers the bottom register", () => {
  const m = new LwwMap();
  assertEquals(m.get("x"), undefined);
  assert(m.register("x") === LWW_BOTTOM);
  assertEquals(m.entries(), []);
  assertEquals(m.registers(), []);
  assertEquals(m.size, 0);
});

const applyCases: {
  name: string;
  ops: [string, "set" | "delete", Hlc, Json?][];
  won: boolean[];
  get: Json | undefined;
}[] = [
  { name: "a first set wins", ops: [["k", "set", h(1), "a"]], won: [true], get: "a" },
  {
    name: "a newer set replaces an older one",
    ops: [["k", "set", h(1), "a"], ["k", "set", h(2), "b"]],
    won: [true, true],
    get: "b",
  },
  {
    name: "an older set arriving late loses",
    ops: [["k", "set", h(2), "b"], ["k", "set", h(1), "a"]],
    won: [true, false],
    get: "b",
  },
  {
    name: "the same write twice wins once",
    ops: [["k", "set", h(1), "a"], ["k", "set", h(1), "a"]],
    won: [true, false],
    get: "a",
  },
  {
    name: "a newer delete removes the value",
    ops: [["k", "set", h(1), "a"], ["k", "delete", h(2)]],
    won: [true, true],
    get: undefined,
  },
  {
    name: "a delete survives a concurrent older set arriving after it",
    ops: [["k", "delete", h(2)], ["k", "set", h(1), "a"]],
    won: [true, false],
    get: undefined,
  },
  {
    name: "a delete of a never-set key still blocks older sets",
    ops: [["k", "delete", h(5)], ["k", "set", h(4, 9, "z"), "a"]],
    won: [true, false],
    get: undefined,
  },
  {
    name: "a set newer than the delete brings the key back",
    ops: [["k", "delete", h(2)], ["k", "set", h(3), "b"]],
    won: [true, true],
    get: "b",
  },
  {
    name: "on an equal stamp a value beats a delete",
    ops: [["k", "delete", h(2)], ["k", "set", h(2), "v"]],
    won: [true, true],
    get: "v",
  },
  {
    name: "on an equal stamp the lesser canonical value loses",
    ops: [["k", "set", h(2), "b"], ["k", "set", h(2), "a"]],
    won: [true, false],
    get: "b",
  },
];
for (const c of applyCases) {
  Deno.test(`LwwMap.set()/delete(): ${c.name}`, () => {
    const m = new LwwMap();
    const won = c.ops.map(([k, op, s, v]) => op === "set" ? m.set(k, v!, s) : m.delete(k, s));
    assertEquals(won, c.won, "return values");
    assertEquals(m.get("k"), c.get);
  });
}

Deno.test("LwwMap.apply() of the bottom register never hides a real write", () => {
  const m = new LwwMap();
  m.set("k", "v", h(0, 0, "a"));
  assertEquals(m.apply("k", LWW_BOTTOM), false);
  assertEquals(m.get("k"), "v");
});

Deno.test("LwwMap.entries() lists live keys only, sorted by code unit; size counts them", () => {
  const m = new LwwMap();
  m.set("b", 2, h(1));
  m.set("B", 3, h(1));
  m.set("a", 1, h(1));
  m.delete("c", h(1));
  m.set("d", 4, h(1));
  m.delete("d", h(2));
  assertEquals(m.entries(), [["B", 3], ["a", 1], ["b", 2]]);
  assertEquals(m.size, 3);
});

Deno.test("LwwMap.registers() lists every register, removals included, sorted by key", () => {
  const m = new LwwMap();
  m.set("b", "x", h(1));
  m.delete("a", h(2, 1, "q"));
  assertEquals(m.registers(), [["a", { stamp: h(2, 1, "q"), value: undefined }], ["b", {
    stamp: h(1),
    value: "x",
  }]]);
  assertEquals(m.register("a"), { stamp: h(2, 1, "q"), value: undefined });
});

Deno.test("LwwMap.merge(): concurrent writes to different keys both survive (sketch's one-document bug absent)", () => {
  const laptop = new LwwMap();
  const phone = new LwwMap();
  laptop.set("theme", "dark", h(10, 0, "laptop"));
  phone.set("font", "mono", h(11, 0, "phone"));
  const a = laptop.clone().merge(phone);
  const b = phone.clone().merge(laptop);
  assertEquals(a.entries(), [["font", "mono"], ["theme", "dark"]]);
  assertSameMap(a, b);
});

Deno.test("LwwMap.merge(): a remote write is kept over an unset local key", () => {
  const local = new LwwMap();
  const remote = new LwwMap();
  remote.set("theme", "dark", h(1, 0, "b"));
  assertEquals(local.merge(remote).get("theme"), "dark");
});

Deno.test("LwwMap.merge() returns the map itself", () => {
  const m = new LwwMap();
  assert(m.merge(new LwwMap()) === m);
});

Deno.test("LwwMap.clone() is independent of the original", () => {
  const m = new LwwMap();
  m.set("a", 1, h(1));
  const c = m.clone();
  c.set("a", 2, h(2));
  c.set("b", 3, h(2));
  m.delete("a", h(3));
  assertEquals(m.registers().map(([k, r]) => [k, r.value]), [["a", undefined]]);
  assertEquals(c.entries(), [["a", 2], ["b", 3]]);
});

Deno.test("LwwMap.compact() drops only the removals the predicate calls stable", () => {
  const m = new LwwMap();
  m.set("live-old", "v", h(1));
  m.delete("gone-old", h(2));
  m.delete("gone-new", h(9));
  m.set("live-new", "w", h(10));
  const asked: number[] = [];
  const dropped = m.compact((s) => {
    asked.push(s.wall);
    return s.wall <= 5;
  });
  assertEquals(dropped, 1);
  assertEquals(asked, [2, 9], "asked only about removals");
  assertEquals(m.registers().map(([k]) => k), ["gone-new", "live-new", "live-old"]);
  assertEquals(m.entries(), [["live-new", "w"], ["live-old", "v"]]);
  assertEquals(m.compact(() => false), 0, "nothing stable, nothing dropped");
  assertEquals(m.compact(() => true), 1);
  assertEquals(m.registers().map(([k]) => k), ["live-new", "live-old"]);
});

// ---------------------------------------------------------------------------
// Properties

Deno.test("LwwMap.merge() is commutative, associative and idempotent", () => {
  fc.assert(
    fc.property(mapArb, mapArb, mapArb, (a, b, c) => {
      assertSameMap(a.clone().merge(b), b.clone().merge(a), "commutative");
      assertSameMap(
        a.clone().merge(b).merge(c),
        a.clone().merge(b.clone().merge(c)),
        "associative",
      );
      assertSameMap(a.clone().merge(a), a, "idempotent");
      assertSameMap(a.clone().merge(a.clone()), a, "idempotent with a copy");
      assertSameMap(a.clone().merge(new LwwMap()), a, "empty is the identity");
    }),
    { seed: 0x3a9, numRuns: 1000 },
  );
});

Deno.test("LwwMap: replicas that get the same writes in any order and grouping converge", () => {
  fc.assert(
    fc.property(
      fc.array(writeArb, { maxLength: 20, size: "max" }),
      fc.array(fc.nat(2), { maxLength: 20, size: "max" }),
      fc.array(fc.nat(), { maxLength: 20, size: "max" }),
      (writes, owner, swaps) => {
        const one = build(writes);
        const shuffled = [...writes];
        for (const [i, s] of swaps.entries()) {
          if (shuffled.length === 0) break;
          const j = i % shuffled.length;
          const k = s % shuffled.length;
          [shuffled[j], shuffled[k]] = [shuffled[k], shuffled[j]];
        }
        assertSameMap(build(shuffled), one, "another order");
        // Three devices each get some of the writes, then sync by merging.
        const parts = [new LwwMap(), new LwwMap(), new LwwMap()];
        writes.forEach((x, i) =>
          parts[owner[i] ?? 0].apply(x.key, { stamp: x.stamp, value: x.value })
        );
        assertSameMap(
          parts[2].clone().merge(parts[0]).merge(parts[1]),
          one,
          "split across devices",
        );
        // Every key holds the greatest write offered for it, and nothing older.
        for (const [k, r] of one.registers()) {
          for (const x of writes.filter((x) => x.key === k)) {
            assert(compareWrites(r, { stamp: x.stamp, value: x.value }) >= 0, `key ${k} went back`);
          }
        }
        assertEquals(
          one.registers().map(([k]) => k),
          [...new Set(writes.map((x) => x.key))].sort(),
        );
      },
    ),
    { seed: 0xc0, numRuns: 1000 },
  );
});

Deno.test("LwwMap: a delete survives every concurrent older set, in any order", () => {
  fc.assert(
    fc.property(
      keyArb,
      stampArb,
      fc.array(fc.record({ stamp: stampArb, value: valueArb.filter((v) => v !== undefined) }), {
        maxLength: 8,
      }),
      fc.nat(8),
      (key, delStamp, sets, at) => {
        const older = sets.filter((s) => compareHlc(s.stamp, delStamp) < 0);
        const m = new LwwMap();
        older.slice(0, at).forEach((s) => m.set(key, s.value!, s.stamp));
        m.delete(key, delStamp);
        older.slice(at).forEach((s) => m.set(key, s.value!, s.stamp));
        assertEquals(m.get(key), undefined);
        assertEquals(m.entries(), []);
      },
    ),
    { seed: 0xde1, numRuns: 500 },
  );
});

Deno.test("LwwMap.compact() removes exactly the stable removals and keeps every live value", () => {
  fc.assert(
    fc.property(mapArb, fc.nat(4), (m, upTo) => {
      const before = m.registers();
      const stable = (s: Hlc) => s.wall <= upTo;
      const dropped = m.compact(stable);
      const expected = before.filter(([, r]) => !(r.value === undefined && stable(r.stamp)));
      assertEquals(dropped, before.length - expected.length);
      assertEquals(regsOf(m.registers()), regsOf(expected));
    }),
    { seed: 0xc0a, numRuns: 500 },
  );
});

function regsOf(rs: [string, LwwRegister][]): string {
  return show(rs.map(([k, r]) => [k, r.stamp, canonicalJson(r.value)]));
}
