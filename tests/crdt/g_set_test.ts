/**
 * @module g_set_test
 * Grow-only set: add/has/values and the union laws of `merge`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { GSet } from "../../src/crdt/g_set.ts";
import { assertJsonEquals } from "../helpers/assert.ts";

const itemArb = fc.constantFrom("firefox", "git", "vim", "", "Zed", "zed", "é");
const itemsArb = fc.array(itemArb, { maxLength: 8, size: "max" });
const setArb = itemsArb.map((xs) => new GSet(xs));

Deno.test("GSet: an empty set has no values", () => {
  const s = new GSet();
  assertJsonEquals(s.values(), []);
  assertJsonEquals(s.size, 0);
  assertJsonEquals(s.has(""), false);
});

Deno.test("GSet: the constructor takes any iterable and drops duplicates", () => {
  const s = new GSet(new Set(["b", "a"]).values());
  assertJsonEquals(s.values(), ["a", "b"]);
  assertJsonEquals(new GSet(["x", "x", "y"]).size, 2);
});

Deno.test("GSet.add() returns true only for a new item", () => {
  const s = new GSet();
  assertJsonEquals([s.add("git"), s.add("git"), s.add(""), s.add("")], [true, false, true, false]);
  assertJsonEquals(s.values(), ["", "git"]);
});

Deno.test("GSet.has() is exact (case and Unicode form matter)", () => {
  const s = new GSet(["Zed", "é"]);
  assertJsonEquals([s.has("Zed"), s.has("zed"), s.has("é"), s.has("e\u0301")], [
    true,
    false,
    true,
    false,
  ]);
});

Deno.test("GSet.values() is sorted by code unit", () => {
  assertJsonEquals(new GSet(["b", "B", "a", "é", ""]).values(), ["", "B", "a", "b", "é"]);
});

Deno.test("GSet.merge() is union and returns the set itself", () => {
  const a = new GSet(["git", "vim"]);
  const b = new GSet(["vim", "zed"]);
  assert(a.merge(b) === a);
  assertJsonEquals(a.values(), ["git", "vim", "zed"]);
  assertJsonEquals(b.values(), ["vim", "zed"], "the argument is unchanged");
});

Deno.test("GSet.clone() is independent of the original", () => {
  const a = new GSet(["git"]);
  const c = a.clone();
  c.add("vim");
  a.add("zed");
  assertJsonEquals(a.values(), ["git", "zed"]);
  assertJsonEquals(c.values(), ["git", "vim"]);
});

Deno.test("GSet.merge() is commutative, associative and idempotent, and equals set union", () => {
  fc.assert(
    fc.property(setArb, setArb, setArb, (a, b, c) => {
      assertJsonEquals(a.clone().merge(b).values(), b.clone().merge(a).values(), "commutative");
      assertJsonEquals(
        a.clone().merge(b).merge(c).values(),
        a.clone().merge(b.clone().merge(c)).values(),
        "associative",
      );
      assertJsonEquals(a.clone().merge(a).values(), a.values(), "idempotent");
      assertJsonEquals(a.clone().merge(new GSet()).values(), a.values(), "empty is the identity");
      const union = [...new Set([...a.values(), ...b.values()])].sort();
      assertJsonEquals(a.clone().merge(b).values(), union, "union");
    }),
    { seed: 0x65e7, numRuns: 1000 },
  );
});

Deno.test("GSet: replicas adding the same items in any order converge, and never lose an item", () => {
  fc.assert(
    fc.property(itemsArb, fc.array(fc.nat(2), { maxLength: 8, size: "max" }), (items, owner) => {
      const parts = [new GSet(), new GSet(), new GSet()];
      items.forEach((x, i) => parts[owner[i] ?? 0].add(x));
      const all = new GSet(items);
      const merged = parts[1].clone().merge(parts[2]).merge(parts[0]);
      assertJsonEquals(merged.values(), all.values());
      for (const x of items) assert(merged.has(x), `lost ${x}`);
      assertJsonEquals(merged.size, new Set(items).size);
    }),
    { seed: 0x9, numRuns: 500 },
  );
});
