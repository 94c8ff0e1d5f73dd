/**
 * @module state_test
 * The replicated state's semantics, with real signed entries folded by
 * `foldEntry` into a `MemoryState` and read through its view — each case in
 * every delivery order that keeps each author's sequence:
 * - config and preference writes replace exactly the versions they observed,
 *   whatever the stamps; stamps only order writes that did not see each other;
 * - unsets are tombstone versions; several writes to one key in one entry;
 * - patterns keep observed-remove semantics (a concurrent add survives);
 * - legacy writes (no `observed`) order by stamp among themselves and stay
 *   siblings of new-format versions; apps only grow.
 */

import assert from "node:assert/strict";
import type { Json } from "../../src/crdt/json.ts";
import type { EntryDot, Op } from "../../src/log/ops.ts";
import { foldEveryOrder, foldInOrder } from "./fold_orders.ts";
import { type TestDevice, testDevices } from "./helpers.ts";

const [F, G, H] = await testDevices(3);
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const YEAR = 365 * DAY;

/**
 * Append `ops` by `d` stamped exactly `wall` (the devices are shared by the
 * tests, so their own clocks would carry one test's skew into the next).
 */
const at = (d: TestDevice, ops: Op[], wall: number) =>
  d.appendAt(ops, { wall, counter: 0, node: d.key.hex });

let fresh = 0;
/** A key no other test uses (devices and their logs are shared by the tests). */
const newKey = (base: string) => `${base}${++fresh}`;

const dotsOf = (entries: { entry: { author: EntryDot["author"]; seq: number } }[]) =>
  entries.map((e) => ({ author: e.entry.author, seq: e.entry.seq }));

const set = (key: string, value: Json, observed?: EntryDot[]): Op =>
  observed === undefined
    ? { type: "config.set", key, value }
    : { type: "config.set", key, value, observed };
const unset = (key: string, observed?: EntryDot[]): Op =>
  observed === undefined ? { type: "config.unset", key } : { type: "config.unset", key, observed };

// ---------------------------------------------------------------------------
// Causal writes

Deno.test("a write that observed a version beats it, even when that version's clock ran a year ahead", async () => {
  const key = newKey("theme");
  const x = await at(F, [set(key, "x", [])], T0 + YEAR); // F's clock: a year ahead
  const seenByG = foldInOrder([x]).view.observed("config", key);
  assert.deepEqual(seenByG, dotsOf([x]));
  const y = await at(G, [set(key, "y", seenByG)], T0); // G's clock is right
  const s = foldEveryOrder([x, y]);
  assert.equal(s.view.config(key), "y");
  assert.deepEqual(s.view.observed("config", key), dotsOf([y]));
});

Deno.test("writes that did not see each other stay siblings; the newer stamp is shown", async () => {
  const key = newKey("editor");
  const x = await at(F, [set(key, "x", [])], T0 + DAY);
  const y = await at(G, [set(key, "y", [])], T0);
  const s = foldEveryOrder([x, y]);
  assert.equal(s.view.config(key), "x");
  assert.equal(s.view.observed("config", key).length, 2);
  // A write that saw both replaces both, whatever its stamp.
  const z = await at(H, [set(key, "z", s.view.observed("config", key))], T0 - DAY);
  const after = foldEveryOrder([x, y, z]);
  assert.equal(after.view.config(key), "z");
  assert.deepEqual(after.view.observed("config", key), dotsOf([z]));
});

Deno.test("concurrent writes with the same wall time order by counter, then by author key", async () => {
  const key = newKey("font");
  const wall = T0 + 5 * DAY;
  const a = await F.appendAt([set(key, "f", [])], { wall, counter: 3, node: F.key.hex });
  const b = await G.appendAt([set(key, "g", [])], { wall, counter: 2, node: G.key.hex });
  assert.equal(foldEveryOrder([a, b]).view.config(key), "f");
  const key2 = newKey("font");
  const c = await F.appendAt([set(key2, "f", [])], { wall: wall + 1, counter: 0, node: "" });
  const d = await G.appendAt([set(key2, "g", [])], { wall: wall + 1, counter: 0, node: "" });
  const higher = F.key.compare(G.key) > 0 ? "f" : "g";
  assert.equal(foldEveryOrder([c, d]).view.config(key2), higher);
});

Deno.test("concurrent edits to different keys both survive", async () => {
  const [k1, k2] = [newKey("a"), newKey("b")];
  const a = await at(F, [set(k1, 1, [])], T0 + 10);
  const b = await at(G, [set(k2, 2, [])], T0 + 5);
  const s = foldEveryOrder([a, b]);
  assert.deepEqual([s.view.config(k1), s.view.config(k2)], [1, 2]);
});

Deno.test("an unset that observed the value hides it and leaves a tombstone later writes replace", async () => {
  const key = newKey("proxy");
  const x = await at(F, [set(key, "http://p", [])], T0 + YEAR);
  const u = await at(G, [unset(key, dotsOf([x]))], T0);
  const s = foldEveryOrder([x, u]);
  assert.equal(s.view.config(key), undefined);
  assert.ok(!s.view.configs().some(([k]) => k === key), "an unset key is not listed");
  assert.deepEqual(
    s.view.observed("config", key),
    dotsOf([u]),
    "the tombstone is what a device shows",
  );
  // A set that observed the tombstone brings the key back, with an older stamp.
  const back = await at(H, [set(key, "http://q", dotsOf([u]))], T0 - YEAR);
  const s2 = foldEveryOrder([x, u, back]);
  assert.equal(s2.view.config(key), "http://q");
  assert.deepEqual(s2.view.observed("config", key), dotsOf([back]));
});

Deno.test("an unset concurrent with a set: the newer stamp decides what is shown", async () => {
  const [k1, k2] = [newKey("c"), newKey("c")];
  const olderSet = await at(F, [set(k1, "v", [])], T0 + 100);
  const newerUnset = await at(G, [unset(k1, [])], T0 + 200);
  assert.equal(foldEveryOrder([olderSet, newerUnset]).view.config(k1), undefined);
  const olderUnset = await at(G, [unset(k2, [])], T0 + 300);
  const newerSet = await at(F, [set(k2, "w", [])], T0 + 400);
  const s = foldEveryOrder([olderUnset, newerSet]);
  assert.equal(s.view.config(k2), "w");
  assert.equal(
    s.view.observed("config", k2).length,
    2,
    "both versions stay until a write sees them",
  );
});

Deno.test("a write naming a version that has not arrived yet voids it when it arrives", async () => {
  const key = newKey("late");
  const x = await at(F, [set(key, "x", [])], T0 + YEAR);
  const y = await at(G, [set(key, "y", dotsOf([x]))], T0);
  const s = foldInOrder([y, x]); // G's write first: F's version is parked, then void
  assert.equal(s.view.config(key), "y");
  assert.deepEqual([...s.parked()], [], "the parked dot is dropped once F's entry is folded");
});

Deno.test("several writes to one key in one entry: the last counts, and they replace all they observed", async () => {
  const [k1, k2, k3] = [newKey("m"), newKey("m"), newKey("m")];
  const a = await at(F, [set(k1, "a", []), set(k2, "a", []), set(k3, "a", [])], T0 + 1);
  const b = await at(G, [set(k1, "b", []), set(k2, "b", []), set(k3, "b", [])], T0 + 2);
  const [da, db] = [dotsOf([a]), dotsOf([b])];
  const c = await at(H, [
    set(k1, "first", da),
    set(k1, "second", db),
    set(k2, "kept", [...da, ...db]),
    unset(k2, []),
    unset(k3, da),
    set(k3, "back", db),
  ], T0);
  const s = foldEveryOrder([a, b, c]);
  assert.equal(s.view.config(k1), "second");
  assert.deepEqual(s.view.observed("config", k1), dotsOf([c]), "one version per entry and key");
  assert.equal(s.view.config(k2), undefined, "set then unset in one entry leaves the key unset");
  assert.deepEqual(s.view.observed("config", k2), dotsOf([c]));
  assert.equal(s.view.config(k3), "back");
  assert.deepEqual(s.view.observed("config", k3), dotsOf([c]));
});

Deno.test("preferences follow the same rules: observed writes win, concurrent ones by stamp", async () => {
  const key = newKey("lang");
  const x = await at(F, [{ type: "pref.set", key, value: "fr", observed: [] }], T0 + YEAR);
  const y = await at(G, [{ type: "pref.set", key, value: "de", observed: dotsOf([x]) }], T0);
  const z = await at(H, [{ type: "pref.set", key, value: "it", observed: [] }], T0 + 1);
  const s = foldEveryOrder([x, y, z]);
  assert.equal(s.view.pref(key), "it", "z did not see y, and is newer");
  assert.equal(s.view.observed("prefs", key).length, 2);
  const u = await at(F, [{ type: "pref.unset", key, observed: s.view.observed("prefs", key) }], T0);
  const s2 = foldEveryOrder([x, y, z, u]);
  assert.equal(s2.view.pref(key), undefined);
  assert.ok(!s2.view.prefs().some(([k]) => k === key));
});

Deno.test("config and preferences with the same key are separate keyspaces", async () => {
  const key = newKey("shared");
  const a = await at(F, [set(key, 1, []), { type: "pref.set", key, value: "p", observed: [] }], T0);
  const b = await at(G, [unset(key, dotsOf([a]))], T0 + 1);
  const s = foldEveryOrder([a, b]);
  assert.equal(s.view.config(key), undefined);
  assert.equal(s.view.pref(key), "p");
});

// ---------------------------------------------------------------------------
// Patterns

const pattern = (id: string, v: number) => ({ id, v });
const addP = (id: string, v: number): Op => ({ type: "pattern.add", id, value: pattern(id, v) });
const removeP = (id: string, dots: EntryDot[]): Op => ({ type: "pattern.remove", id, dots });

Deno.test("patterns: a remove deletes the adds it observed; a concurrent add survives it", async () => {
  const id = newKey("p");
  const a1 = await at(F, [addP(id, 1)], T0);
  const a2 = await at(G, [addP(id, 2)], T0 + YEAR); // concurrent with the remove
  const r = await at(H, [removeP(id, dotsOf([a1]))], T0 + 2 * YEAR);
  const s = foldEveryOrder([a1, a2, r]);
  assert.deepEqual(s.view.pattern(id), pattern(id, 2));
  const r2 = await at(H, [removeP(id, dotsOf([a2]))], T0);
  const gone = foldEveryOrder([a1, a2, r, r2]);
  assert.equal(gone.view.pattern(id), undefined);
  assert.ok(!gone.view.patterns().some(([p]) => p === id));
});

Deno.test("patterns: two adds are siblings and the newest stamp supplies the value", async () => {
  const id = newKey("p");
  const a = await at(F, [addP(id, 1)], T0 + 50);
  const b = await at(G, [addP(id, 2)], T0 + 40);
  const s = foldEveryOrder([a, b]);
  assert.deepEqual(s.view.pattern(id), pattern(id, 1));
  assert.equal(s.view.observed("patterns", id).length, 2);
});

Deno.test("patterns: a pattern removed and added again is back, with the new value", async () => {
  const id = newKey("p");
  const a = await at(F, [addP(id, 1)], T0);
  const r = await at(G, [removeP(id, dotsOf([a]))], T0 + 1);
  const b = await at(F, [addP(id, 3)], T0 + 2);
  assert.deepEqual(foldEveryOrder([a, r, b]).view.pattern(id), pattern(id, 3));
});

Deno.test("patterns: two adds of one pattern in one entry keep the later value", async () => {
  const id = newKey("p");
  const a = await at(F, [addP(id, 1), addP(id, 2)], T0);
  const s = foldEveryOrder([a]);
  assert.deepEqual(s.view.pattern(id), pattern(id, 2));
  assert.equal(s.view.observed("patterns", id).length, 1);
});

// ---------------------------------------------------------------------------
// Legacy writes (entries from before writes named what they replaced)

Deno.test("legacy writes order by stamp alone among themselves, and only the newest is kept", async () => {
  const key = newKey("legacy");
  const a = await at(F, [set(key, "old")], T0 + 10);
  const b = await at(G, [set(key, "new")], T0 + 20);
  const c = await at(H, [set(key, "oldest")], T0 + 5);
  const s = foldEveryOrder([a, b, c]);
  assert.equal(s.view.config(key), "new");
  assert.deepEqual(
    s.view.observed("config", key),
    dotsOf([b]),
    "older legacy versions are dropped",
  );
  const floors = [...s.floors()].filter(([, k]) => k === key);
  assert.equal(floors.length, 1);
  assert.equal(floors[0][2].wall, b.entry.hlc.wall);
});

Deno.test("a legacy unset newer than a legacy set hides it in every order", async () => {
  const key = newKey("legacy");
  const a = await at(F, [set(key, "v")], T0 + 10);
  const u = await at(G, [unset(key)], T0 + 20);
  assert.equal(foldEveryOrder([a, u]).view.config(key), undefined);
  const key2 = newKey("legacy");
  const u2 = await at(G, [unset(key2)], T0 + 10);
  const a2 = await at(F, [set(key2, "v")], T0 + 20);
  assert.equal(foldEveryOrder([u2, a2]).view.config(key2), "v");
});

Deno.test("legacy and new-format versions stay siblings; a new write that observed a legacy one replaces it", async () => {
  const key = newKey("mixed");
  const fresh1 = await at(G, [set(key, "fresh", [])], T0 + 1);
  const legacy = await at(F, [set(key, "legacy")], T0 + 100);
  const s = foldEveryOrder([fresh1, legacy]);
  assert.equal(s.view.config(key), "legacy", "the newer stamp is shown");
  assert.equal(
    s.view.observed("config", key).length,
    2,
    "a legacy write never removes a new-format version",
  );
  const replace = await at(H, [set(key, "replaced", s.view.observed("config", key))], T0);
  const s2 = foldEveryOrder([fresh1, legacy, replace]);
  assert.equal(s2.view.config(key), "replaced");
  assert.deepEqual(s2.view.observed("config", key), dotsOf([replace]));
});

Deno.test("a legacy write stamped below the key's floor is void in every order", async () => {
  const key = newKey("floor");
  const newer = await at(F, [{ type: "pref.set", key, value: "n" }], T0 + 1000);
  const older = await at(G, [{ type: "pref.set", key, value: "o" }], T0 + 10);
  const s = foldEveryOrder([older, newer]);
  assert.equal(s.view.pref(key), "n");
  assert.deepEqual(s.view.observed("prefs", key), dotsOf([newer]));
});

// ---------------------------------------------------------------------------
// Apps and the frontier

Deno.test("apps are a grow-only union, sorted", async () => {
  const a = await at(F, [{ type: "app.add", name: "vim" }, { type: "app.add", name: "git" }], T0);
  const b = await at(G, [{ type: "app.add", name: "git" }, { type: "app.add", name: "emacs" }], T0);
  const s = foldEveryOrder([a, b]);
  for (const app of ["emacs", "git", "vim"]) assert.ok(s.view.apps().includes(app), app);
  const apps = s.view.apps();
  assert.deepEqual(apps, [...apps].sort());
});

Deno.test("seen() is the last seq folded per author, 0 for an author never folded", async () => {
  const x = (await testDevices(4))[3];
  const e1 = await at(x, [{ type: "app.add", name: "a" }], T0);
  const e2 = await at(x, [{ type: "app.add", name: "b" }], T0);
  assert.equal(foldInOrder([]).view.seen(x.key), 0);
  assert.equal(foldInOrder([e1]).view.seen(x.key), 1);
  const s = foldInOrder([e1, e2]);
  assert.equal(s.view.seen(x.key), 2);
  assert.equal(s.view.seen(F.key), 0);
});
