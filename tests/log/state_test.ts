/**
 * @module state_test
 * The fold of real signed entries into {@link MeshState}: LWW per key for
 * config and preferences, grow-only apps, observed-remove patterns driven by
 * entry dots, and device admission / update / permanent revocation. Every
 * concurrent case is folded in both delivery orders.
 */

import assert from "node:assert/strict";
import type { Hlc } from "../../src/crdt/hlc.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import type { Op } from "../../src/log/ops.ts";
import { MeshState, pickMembershipEvent } from "../../src/log/state.ts";
import { stateDigest } from "../../src/log/state_codec.ts";
import { type TestDevice, testDevices } from "./helpers.ts";

const [A, B, C, D] = await testDevices(4);
const T0 = 1_700_000_000_000;

/** Fresh devices (empty logs) over the same keys, so each test starts at seq 1. */
function fresh(): TestDevice[] {
  for (const d of [A, B, C, D]) {
    d.log.length = 0;
  }
  return [A, B, C, D];
}

const at = (wall: number, counter = 0): Hlc => ({ wall: T0 + wall, counter, node: "" });

function fold(entries: readonly SignedEntry[]): MeshState {
  const s = new MeshState();
  for (const e of entries) s.apply(e.entry);
  return s;
}

/** Fold `entries` in every given order; all must give the same digest. Returns the first. */
async function foldAll(orders: readonly (readonly SignedEntry[])[]): Promise<MeshState> {
  const states = orders.map(fold);
  const digests = await Promise.all(states.map(stateDigest));
  for (const d of digests) assert.equal(d, digests[0], "delivery order changed the state");
  return states[0];
}

function record(d: TestDevice, name: string): DeviceRecord {
  return {
    id: d.id,
    name,
    noiseKey: d.keys.noisePublic.toBase64(),
    wgKey: d.keys.wgPublic.toBase64(),
    endpoints: ["10.0.0.1:7850"],
    ipv4: "100.64.0.2",
    wgPort: 51820,
  };
}

// ---------------------------------------------------------------------------
// config and preferences

Deno.test("fold: the newer config.set wins whatever order the entries arrive in", async () => {
  fresh();
  const a = await A.appendAt([{ type: "config.set", key: "ui.theme", value: "light" }], at(10));
  const b = await B.appendAt(
    [{ type: "config.set", key: "ui.theme", value: { v: "dark" } }],
    at(20),
  );
  const s = await foldAll([[a, b], [b, a]]);
  assert.deepEqual(s.config.get("ui.theme"), { v: "dark" });
  assert.deepEqual(s.config.register("ui.theme").stamp, { wall: T0 + 20, counter: 0, node: B.id });
});

Deno.test("fold: concurrent config edits to different keys both survive", async () => {
  fresh();
  const a = await A.appendAt([{ type: "config.set", key: "editor.font", value: "mono" }], at(10));
  const b = await B.appendAt([{ type: "config.set", key: "editor.size", value: 12 }], at(10));
  const s = await foldAll([[a, b], [b, a]]);
  assert.deepEqual(s.config.entries(), [["editor.font", "mono"], ["editor.size", 12]]);
});

Deno.test("fold: config.unset beats an older concurrent config.set, in either order", async () => {
  fresh();
  const a = await A.appendAt([{ type: "config.set", key: "k", value: 1 }], at(10));
  const b = await B.appendAt([{ type: "config.unset", key: "k" }], at(11));
  const s = await foldAll([[a, b], [b, a]]);
  assert.equal(s.config.get("k"), undefined);
  assert.equal(s.config.size, 0);
  // The removal is kept (with its stamp), so the old write cannot come back.
  assert.deepEqual(s.config.register("k").stamp.wall, T0 + 11);
});

Deno.test("fold: a config.set newer than an unset brings the key back", async () => {
  fresh();
  const a1 = await A.appendAt([{ type: "config.set", key: "k", value: 1 }], at(10));
  const b = await B.appendAt([{ type: "config.unset", key: "k" }], at(11));
  const a2 = await A.appendAt([{ type: "config.set", key: "k", value: 2 }], at(12));
  const s = await foldAll([[a1, b, a2], [b, a1, a2], [a1, a2, b]]);
  assert.equal(s.config.get("k"), 2);
});

Deno.test("fold: equal wall and counter from two devices is broken by device id", async () => {
  fresh();
  const a = await A.appendAt([{ type: "pref.set", key: "k", value: "from A" }], at(5, 7));
  const b = await B.appendAt([{ type: "pref.set", key: "k", value: "from B" }], at(5, 7));
  const s = await foldAll([[a, b], [b, a]]);
  assert.equal(s.prefs.get("k"), A.id > B.id ? "from A" : "from B");
});

Deno.test("fold: the HLC counter orders writes within one millisecond", async () => {
  fresh();
  const a = await A.appendAt([{ type: "pref.set", key: "k", value: "first" }], at(5, 1));
  const b = await B.appendAt([{ type: "pref.set", key: "k", value: "second" }], at(5, 2));
  const s = await foldAll([[a, b], [b, a]]);
  assert.equal(s.prefs.get("k"), "second");
});

Deno.test("fold: preferences are LWW per key; unset beats an older concurrent set", async () => {
  fresh();
  const a = await A.appendAt([
    { type: "pref.set", key: "theme", value: "dark" },
    { type: "pref.set", key: "lang", value: "en" },
  ], at(10));
  const b = await B.appendAt([
    { type: "pref.unset", key: "theme" },
    { type: "pref.set", key: "font", value: "mono" },
  ], at(20));
  const c = await C.appendAt([{ type: "pref.set", key: "lang", value: "fr" }], at(5));
  const s = await foldAll([[a, b, c], [c, b, a], [b, c, a]]);
  assert.deepEqual(s.prefs.entries(), [["font", "mono"], ["lang", "en"]]);
});

Deno.test("fold: a pref.unset of a key never set shadows older sets that arrive later", async () => {
  fresh();
  const b = await B.appendAt([{ type: "pref.unset", key: "ghost" }], at(20));
  const a = await A.appendAt([{ type: "pref.set", key: "ghost", value: "boo" }], at(10));
  const s = await foldAll([[b, a], [a, b]]);
  assert.equal(s.prefs.get("ghost"), undefined);
});

Deno.test("fold: ops inside one entry apply in order (set then unset leaves the key unset)", async () => {
  // BUG: every op of an entry carries the entry's single HLC stamp, so two
  // writes to the same key in one entry tie, and the LWW tie-break (canonical
  // value text, absent lowest) picks the winner instead of op order. ops.ts
  // promises "An entry holds one or more, applied in order".
  fresh();
  const e = await A.appendAt([
    { type: "config.set", key: "k", value: 1 },
    { type: "config.unset", key: "k" },
    { type: "pref.set", key: "p", value: "b" },
    { type: "pref.set", key: "p", value: "a" },
  ], at(1));
  const s = fold([e]);
  assert.equal(s.config.get("k"), undefined, "config.unset after config.set");
  assert.equal(s.prefs.get("p"), "a", "the second pref.set");
});

// ---------------------------------------------------------------------------
// apps

Deno.test("fold: apps are a grow-only union", async () => {
  fresh();
  const a = await A.appendAt(
    [{ type: "app.add", name: "git" }, { type: "app.add", name: "vim" }],
    at(1),
  );
  const b = await B.appendAt(
    [{ type: "app.add", name: "git" }, { type: "app.add", name: "zed" }],
    at(2),
  );
  const s = await foldAll([[a, b], [b, a]]);
  assert.deepEqual(s.apps.values(), ["git", "vim", "zed"]);
});

// ---------------------------------------------------------------------------
// patterns

const pat = (id: string, n: number): Op => ({ type: "pattern.add", id, value: { id, n } });

Deno.test("fold: pattern.add tags the add with the entry's dot (author, seq)", async () => {
  fresh();
  await A.appendAt([{ type: "app.add", name: "x" }], at(1));
  const a2 = await A.appendAt([pat("p", 1), pat("q", 2)], at(2));
  const s = fold([A.log[0], a2]);
  assert.deepEqual(s.patterns.get("p"), { id: "p", n: 1 });
  assert.deepEqual(s.patterns.dots("p"), [{ author: A.id, seq: 2 }]);
  assert.deepEqual(s.patterns.dots("q"), [{ author: A.id, seq: 2 }]);
  assert.deepEqual(s.patterns.entries().map(([id]) => id), ["p", "q"]);
});

Deno.test("fold: pattern.remove with the observed dots removes the pattern", async () => {
  fresh();
  const a = await A.appendAt([pat("p", 1)], at(1));
  const seen = fold([a]);
  const b = await B.appendAt(
    [{ type: "pattern.remove", id: "p", dots: seen.patterns.dots("p") }],
    at(2),
  );
  const s = await foldAll([[a, b], [b, a]]);
  assert.equal(s.patterns.has("p"), false);
  assert.equal(s.patterns.size, 0);
});

Deno.test("fold: an add the remove did not observe survives it (add wins)", async () => {
  fresh();
  const a = await A.appendAt([pat("p", 1)], at(1));
  const c = await C.appendAt([pat("p", 3)], at(3)); // concurrent with B's remove
  const b = await B.appendAt([{
    type: "pattern.remove",
    id: "p",
    dots: fold([a]).patterns.dots("p"),
  }], at(2));
  const s = await foldAll([[a, b, c], [c, a, b], [b, c, a], [a, c, b]]);
  assert.deepEqual(s.patterns.get("p"), { id: "p", n: 3 });
  assert.deepEqual(s.patterns.dots("p"), [{ author: C.id, seq: 1 }]);
});

Deno.test("fold: a remove that arrives before the add it observed voids that add", async () => {
  fresh();
  const a = await A.appendAt([pat("p", 1)], at(1));
  const b = await B.appendAt([{
    type: "pattern.remove",
    id: "p",
    dots: fold([a]).patterns.dots("p"),
  }], at(2));
  const early = fold([b]);
  assert.equal(early.patterns.state().pending.length, 1, "the remove is parked");
  const s = await foldAll([[b, a], [a, b]]);
  assert.equal(s.patterns.has("p"), false);
  assert.deepEqual(s.patterns.state().pending, [], "parked dots are dropped once covered");
});

Deno.test("fold: a pattern removed and then added again is back, with the new value", async () => {
  fresh();
  const a1 = await A.appendAt([pat("p", 1)], at(1));
  const b = await B.appendAt([{
    type: "pattern.remove",
    id: "p",
    dots: fold([a1]).patterns.dots("p"),
  }], at(2));
  const a2 = await A.appendAt([pat("p", 2)], at(3));
  const s = await foldAll([[a1, b, a2], [a1, a2, b], [b, a1, a2]]);
  assert.deepEqual(s.patterns.get("p"), { id: "p", n: 2 });
});

Deno.test("fold: the newest add supplies a pattern's value", async () => {
  fresh();
  const a = await A.appendAt([pat("p", 1)], at(5));
  const b = await B.appendAt([pat("p", 2)], at(9));
  const c = await C.appendAt([pat("p", 3)], at(7));
  const s = await foldAll([[a, b, c], [c, b, a]]);
  assert.deepEqual(s.patterns.get("p"), { id: "p", n: 2 });
  assert.equal(s.patterns.dots("p").length, 3);
});

Deno.test("fold: two adds of one pattern in one entry keep the later value", async () => {
  fresh();
  const s = fold([await A.appendAt([pat("p", 1), pat("p", 2)], at(1))]);
  assert.deepEqual(s.patterns.get("p"), { id: "p", n: 2 });
});

// ---------------------------------------------------------------------------
// devices

Deno.test("fold: device.add admits a device with its record", async () => {
  fresh();
  const rec = record(B, "desktop");
  const s = fold([await A.appendAt([{ type: "device.add", device: rec }], at(1))]);
  assert.ok(s.isMember(B.id));
  assert.deepEqual(s.device(B.id), rec);
  assert.deepEqual(s.allDevices(), [rec]);
  assert.deepEqual(s.members.added(B.id), { by: A.id, wall: T0 + 1, counter: 0, upTo: 0 });
  assert.equal(s.device(C.id), undefined);
  assert.equal(s.isMember(C.id), false);
});

Deno.test("fold: device.update merges per field; concurrent updates of different fields both survive", async () => {
  fresh();
  const add = await A.appendAt([{ type: "device.add", device: record(C, "phone") }], at(1));
  const b = await B.appendAt(
    [{ type: "device.update", id: C.id, fields: { name: "pixel" } }],
    at(5),
  );
  const d = await D.appendAt([{
    type: "device.update",
    id: C.id,
    fields: { endpoints: [], wgPort: 0 },
  }], at(5));
  const old = await A.appendAt(
    [{ type: "device.update", id: C.id, fields: { name: "stale" } }],
    at(0),
  );
  const s = await foldAll([[add, old, b, d], [d, b, add, old], [b, add, old, d]]);
  const r = s.device(C.id)!;
  assert.equal(r.name, "pixel");
  assert.deepEqual(r.endpoints, []);
  assert.equal(r.wgPort, 0);
  assert.equal(r.ipv4, "100.64.0.2", "untouched fields keep the add's value");
});

Deno.test("fold: device.revoke removes membership but keeps the record", async () => {
  fresh();
  const add = await A.appendAt([{ type: "device.add", device: record(B, "desktop") }], at(1));
  const rev = await C.appendAt([{ type: "device.revoke", id: B.id, upTo: 0 }], at(2));
  const s = await foldAll([[add, rev], [rev, add]]);
  assert.equal(s.isMember(B.id), false);
  assert.equal(s.device(B.id)?.name, "desktop");
  assert.deepEqual(s.allDevices().map((d) => d.id), [B.id]);
  assert.ok(s.members.isRemoved(B.id));
});

Deno.test("fold: revocation is permanent; a later re-add has no effect", async () => {
  fresh();
  const add = await A.appendAt([{ type: "device.add", device: record(B, "desktop") }], at(1));
  const rev = await A.appendAt([{ type: "device.revoke", id: B.id, upTo: 0 }], at(2));
  const again = await C.appendAt(
    [{ type: "device.add", device: record(B, "desktop again") }],
    at(100),
  );
  const self = await B.appendAt([{ type: "device.add", device: record(B, "me") }], at(200));
  const s = await foldAll([[add, rev, again, self], [again, self, add, rev], [
    add,
    again,
    rev,
    self,
  ]]);
  assert.equal(s.isMember(B.id), false);
  assert.deepEqual(s.members.members(), []);
});

Deno.test("fold: a revoke that arrives before any add keeps the device out", async () => {
  fresh();
  const rev = await A.appendAt([{ type: "device.revoke", id: D.id, upTo: 0 }], at(1));
  const s1 = fold([rev]);
  assert.equal(s1.isMember(D.id), false);
  assert.equal(s1.device(D.id), undefined);
  assert.deepEqual(s1.allDevices(), []);
  const add = await B.appendAt([{ type: "device.add", device: record(D, "laptop") }], at(2));
  const s = await foldAll([[rev, add], [add, rev]]);
  assert.equal(s.isMember(D.id), false);
});

Deno.test("fold: an admission by another device is kept over the device announcing itself", async () => {
  fresh();
  const self = await B.appendAt([{ type: "device.add", device: record(B, "me") }], at(1));
  const byA = await A.appendAt([{ type: "device.add", device: record(B, "desktop") }], at(5));
  const byC = await C.appendAt([{ type: "device.add", device: record(B, "desktop") }], at(3));
  const s = await foldAll([[self, byA, byC], [byC, byA, self], [byA, self, byC]]);
  assert.deepEqual(s.members.added(B.id), { by: C.id, wall: T0 + 3, counter: 0, upTo: 0 });
});

Deno.test("pickMembershipEvent() is a join: commutative, associative, idempotent", () => {
  const id = "X";
  const evs = [
    { by: "X", wall: 1, counter: 0, upTo: 0 },
    { by: "A", wall: 5, counter: 0, upTo: 4 },
    { by: "B", wall: 5, counter: 0, upTo: 0 },
    { by: "A", wall: 5, counter: 1, upTo: 2 },
    { by: "C", wall: 2, counter: 9, upTo: 0 },
  ];
  for (const a of evs) {
    assert.equal(pickMembershipEvent(a, a, id), a);
    for (const b of evs) {
      assert.deepEqual(pickMembershipEvent(a, b, id), pickMembershipEvent(b, a, id));
      for (const c of evs) {
        assert.deepEqual(
          pickMembershipEvent(pickMembershipEvent(a, b, id), c, id),
          pickMembershipEvent(a, pickMembershipEvent(b, c, id), id),
        );
      }
    }
  }
  assert.deepEqual(evs.reduce((x, y) => pickMembershipEvent(x, y, id)), {
    by: "C",
    wall: 2,
    counter: 9,
    upTo: 4,
  });
});
