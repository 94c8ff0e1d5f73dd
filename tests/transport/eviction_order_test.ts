/**
 * @module eviction_order_test
 * The rule both the listener's slots and the `--stdio` processes of a home
 * evict by: quiet connections before promoted ones, each oldest first,
 * never a kept (authenticated) one, and no more than asked.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  evictionOrder,
  evictionVictims,
  type Held,
  type Standing,
} from "../../src/transport/eviction_order.ts";

const held = (standing: Standing, since: number, name: string) => ({ standing, since, name });

Deno.test("evictionVictims: the oldest quiet ones first, promoted only when no quiet one is left, never a kept one", () => {
  const all = [
    held("kept", 0, "member"),
    held("promoted", 1, "known source"),
    held("quiet", 2, "idle a"),
    held("quiet", 3, "idle b"),
    held("kept", 4, "member 2"),
  ];
  const names = (max: number) => evictionVictims(all, max).map((h) => h.name);
  assert.deepEqual(names(5), []);
  assert.deepEqual(names(4), ["idle a"]);
  assert.deepEqual(names(3), ["idle a", "idle b"]);
  assert.deepEqual(names(2), ["idle a", "idle b", "known source"]);
  assert.deepEqual(names(0), ["idle a", "idle b", "known source"], "kept ones stay, however many");
});

const heldArb = fc.array(
  fc.record({
    standing: fc.constantFrom<Standing>("quiet", "promoted", "kept"),
    since: fc.integer({ min: 0, max: 20 }),
  }),
  { maxLength: 40 },
);

Deno.test("evictionVictims: as many as are over the limit and evictable, each ranked before every one that stays", () => {
  fc.assert(fc.property(heldArb, fc.integer({ min: 0, max: 40 }), (all: Held[], max) => {
    const victims = evictionVictims(all, max);
    const evictable = all.filter((h) => h.standing !== "kept");
    assert.equal(victims.length, Math.min(Math.max(0, all.length - max), evictable.length));
    assert.ok(victims.every((v) => v.standing !== "kept"));
    const kept = evictable.filter((h) => !victims.includes(h));
    for (const v of victims) {
      for (const k of kept) {
        // A victim is quiet where a survivor is promoted, or as quiet and no younger.
        const before = v.standing === "quiet" && k.standing === "promoted" ||
          v.standing === k.standing && v.since <= k.since;
        assert.ok(before, `${JSON.stringify(v)} evicted before ${JSON.stringify(k)}`);
      }
    }
  }));
});

Deno.test("evictionOrder: equal times keep the order given (the listener's order of arrival)", () => {
  const all = [held("quiet", 5, "first"), held("quiet", 5, "second"), held("quiet", 5, "third")];
  assert.deepEqual(evictionOrder(all).map((h) => h.name), ["first", "second", "third"]);
});
