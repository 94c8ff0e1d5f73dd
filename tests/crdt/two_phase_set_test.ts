/**
 * @module two_phase_set_test
 * Two-phase set: removal is permanent and wins over any add in any order;
 * metadata is chosen by the caller's `pick`; `merge` is a join.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Pick, TwoPhaseSet } from "../../src/crdt/two_phase_set.ts";
import { assertJsonEquals } from "../helpers/assert.ts";

/** Device-record-like metadata: when and by whom. */
type Meta = { wall: number; by: string };
/** "The older stamp wins", ties by author: a join (it is min under a total order). */
const older: Pick<Meta> = (a, b) => a.wall < b.wall || (a.wall === b.wall && a.by <= b.by) ? a : b;
const m = (wall: number, by = "a"): Meta => ({ wall, by });

type Op = { kind: "add" | "remove"; id: string; meta: Meta };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom<"add" | "remove">("add", "add", "remove"),
  id: fc.constantFrom("dev-a", "dev-b", "dev-c", ""),
  meta: fc.record({ wall: fc.nat(3), by: fc.constantFrom("a", "b") }),
});
const applyOp = (s: TwoPhaseSet<Meta>, op: Op) =>
  op.kind === "add" ? s.add(op.id, op.meta) : s.remove(op.id, op.meta);
const build = (ops: Op[]) => {
  const s = new TwoPhaseSet(older);
  ops.forEach((op) => applyOp(s, op));
  return s;
};
const setArb = fc.array(opArb, { maxLength: 10, size: "max" }).map(build);
const shuffle = <T>(xs: T[], swaps: number[]): T[] => {
  const out = [...xs];
  for (const [i, s] of swaps.entries()) {
    if (out.length === 0) break;
    const j = i % out.length;
    const k = s % out.length;
    [out[j], out[k]] = [out[k], out[j]];
  }
  return out;
};

// ---------------------------------------------------------------------------
// Unit tests

Deno.test("TwoPhaseSet: an empty set has no members and no ids", () => {
  const s = new TwoPhaseSet(older);
  assertJsonEquals([s.members(), s.ids(), s.has("x"), s.isRemoved("x")], [[], [], false, false]);
  assertJsonEquals([s.added("x"), s.removed("x")], [undefined, undefined]);
  assertJsonEquals(s.state(), { added: [], removed: [] });
});

const cases: { name: string; ops: Op[]; has: boolean; removed: boolean }[] = [
  {
    name: "an add makes a member",
    ops: [{ kind: "add", id: "x", meta: m(1) }],
    has: true,
    removed: false,
  },
  {
    name: "a remove after an add wins",
    ops: [{ kind: "add", id: "x", meta: m(1) }, { kind: "remove", id: "x", meta: m(2) }],
    has: false,
    removed: true,
  },
  {
    name: "a remove before the add (arriving first) still wins",
    ops: [{ kind: "remove", id: "x", meta: m(2) }, { kind: "add", id: "x", meta: m(1) }],
    has: false,
    removed: true,
  },
  {
    name: "a remove older than the add still wins (removal is permanent)",
    ops: [{ kind: "add", id: "x", meta: m(9) }, { kind: "remove", id: "x", meta: m(1) }],
    has: false,
    removed: true,
  },
  {
    name: "re-adding after a remove has no effect",
    ops: [
      { kind: "add", id: "x", meta: m(1) },
      { kind: "remove", id: "x", meta: m(2) },
      { kind: "add", id: "x", meta: m(3) },
    ],
    has: false,
    removed: true,
  },
  {
    name: "a remove of a never-added id is remembered",
    ops: [{ kind: "remove", id: "x", meta: m(1) }],
    has: false,
    removed: true,
  },
];
for (const c of cases) {
  Deno.test(`TwoPhaseSet: ${c.name}`, () => {
    const s = build(c.ops);
    assertJsonEquals([s.has("x"), s.isRemoved("x")], [c.has, c.removed]);
    assertJsonEquals(s.members(), c.has ? ["x"] : []);
    assertJsonEquals(s.ids(), ["x"]);
    // The same ops in reverse order give the same set.
    assertJsonEquals(build([...c.ops].reverse()).state(), s.state(), "order does not matter");
  });
}

Deno.test("TwoPhaseSet: pick chooses the metadata of a repeated add or remove", () => {
  const s = new TwoPhaseSet(older);
  s.add("x", m(5, "b"));
  s.add("x", m(3, "z"));
  s.add("x", m(3, "c"));
  s.add("x", m(7, "a"));
  assertJsonEquals(s.added("x"), m(3, "c"));
  s.remove("x", m(9));
  s.remove("x", m(8));
  assertJsonEquals(s.removed("x"), m(8));
  assertJsonEquals(s.added("x"), m(3, "c"), "add metadata is kept after a remove");
});

Deno.test("TwoPhaseSet: pick is only called with two records of the id it is given", () => {
  const calls: string[][] = [];
  const s = new TwoPhaseSet<{ id: string }>((a, b, id) => {
    calls.push([a.id, b.id, id]);
    return a;
  });
  s.add("x", { id: "x" });
  s.add("y", { id: "y" });
  s.add("x", { id: "x" });
  s.remove("x", { id: "x" });
  s.remove("x", { id: "x" });
  s.merge(new TwoPhaseSet<{ id: string }>((a) => a).clone());
  const other = new TwoPhaseSet<{ id: string }>((a) => a);
  other.add("y", { id: "y" });
  s.merge(other);
  assertJsonEquals(calls, [["x", "x", "x"], ["x", "x", "x"], ["y", "y", "y"]]);
});

Deno.test("TwoPhaseSet: members() and ids() are sorted; state() lists adds and removes sorted", () => {
  const s = new TwoPhaseSet(older);
  s.add("b", m(1));
  s.add("a", m(2));
  s.add("C", m(3));
  s.remove("a", m(4));
  s.remove("z", m(5));
  assertJsonEquals(s.members(), ["C", "b"]);
  assertJsonEquals(s.ids(), ["C", "a", "b", "z"]);
  assertJsonEquals(s.state(), {
    added: [["C", m(3)], ["a", m(2)], ["b", m(1)]],
    removed: [["a", m(4)], ["z", m(5)]],
  });
});

Deno.test("TwoPhaseSet.merge(): a remove on one replica wins over an add on the other", () => {
  const a = new TwoPhaseSet(older);
  const b = new TwoPhaseSet(older);
  a.add("dev", m(1));
  b.add("dev", m(1));
  b.remove("dev", m(2));
  a.add("dev", m(3)); // a did not hear of the revocation yet
  assert(a.clone().merge(b).isRemoved("dev"));
  assertJsonEquals(a.clone().merge(b).members(), []);
  assertJsonEquals(b.clone().merge(a).members(), []);
  assertJsonEquals(a.merge(b).state(), b.merge(a).state());
});

Deno.test("TwoPhaseSet.merge() returns the set itself; clone() is independent and keeps pick", () => {
  const a = new TwoPhaseSet(older);
  a.add("x", m(5));
  assert(a.merge(new TwoPhaseSet(older)) === a);
  const c = a.clone();
  c.add("x", m(1));
  c.add("y", m(1));
  a.remove("x", m(6));
  assertJsonEquals(c.added("x"), m(1), "the clone uses pick (older wins)");
  assertJsonEquals(c.members(), ["x", "y"]);
  assertJsonEquals(a.members(), []);
});

// ---------------------------------------------------------------------------
// Properties

Deno.test("TwoPhaseSet.merge() is commutative, associative and idempotent (pick: older stamp wins)", () => {
  fc.assert(
    fc.property(setArb, setArb, setArb, (a, b, c) => {
      assertJsonEquals(a.clone().merge(b).state(), b.clone().merge(a).state(), "commutative");
      assertJsonEquals(
        a.clone().merge(b).merge(c).state(),
        a.clone().merge(b.clone().merge(c)).state(),
        "associative",
      );
      assertJsonEquals(a.clone().merge(a).state(), a.state(), "idempotent");
      assertJsonEquals(
        a.clone().merge(new TwoPhaseSet(older)).state(),
        a.state(),
        "empty is the identity",
      );
    }),
    { seed: 0x2b5e7, numRuns: 1000 },
  );
});

Deno.test("TwoPhaseSet: replicas converge whatever the delivery order; any remove wins", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 16, size: "max" }),
      fc.array(fc.nat(), { maxLength: 16, size: "max" }),
      fc.array(fc.nat(2), { maxLength: 16, size: "max" }),
      (ops, swaps, owner) => {
        const one = build(ops);
        assertJsonEquals(build(shuffle(ops, swaps)).state(), one.state(), "another order");
        const parts = [0, 1, 2].map(() => new TwoPhaseSet(older));
        ops.forEach((op, i) => applyOp(parts[owner[i] ?? 0], op));
        assertJsonEquals(
          parts[2].clone().merge(parts[1]).merge(parts[0]).state(),
          one.state(),
          "split then merged",
        );
        for (const id of one.ids()) {
          const removed = ops.some((o) => o.kind === "remove" && o.id === id);
          const added = ops.some((o) => o.kind === "add" && o.id === id);
          assertJsonEquals([one.isRemoved(id), one.has(id)], [removed, added && !removed], id);
          const metas = ops.filter((o) => o.id === id && o.kind === "add").map((o) => o.meta);
          if (added) {
            assertJsonEquals(
              one.added(id),
              metas.reduce((x, y) => older(x, y, id)),
              "the pick of all add records",
            );
          }
        }
      },
    ),
    { seed: 0x0dd, numRuns: 1000 },
  );
});
