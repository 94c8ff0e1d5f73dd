/**
 * @module state_digest_test
 * `stateDigest`: the SHA-256 of the state's canonical lines. The empty state
 * has a fixed digest; every kind of row (a version's value, stamp or dot, a
 * parked dot, a floor, the frontier, an app, a member's admission, removal
 * or self-written field) changes it; and it does not depend on the order
 * rows were written in.
 */

import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../../src/bytes.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { EMPTY_MEMBER } from "../../src/log/membership.ts";
import { stateDigest, stateLines } from "../../src/log/state_digest.ts";
import { MemoryState } from "../../src/log/state_memory.ts";

const K1 = DeviceKey.of(new Uint8Array(32).fill(1));
const K2 = DeviceKey.of(new Uint8Array(32).fill(2));
const FIELDS = {
  name: "laptop",
  noiseKey: "AQ".padEnd(43, "A") + "=",
  wgKey: "Ag".padEnd(43, "A") + "=",
  endpoints: [],
  ipv4: "",
  wgPort: 0,
};
const stamp = (wall: number, node = K1.hex) => ({ wall, counter: 0, node });

/** A state with one row of every kind, written in the order `steps` lists. */
function build(steps: readonly ((s: MemoryState) => void)[]): MemoryState {
  const s = new MemoryState();
  for (const step of steps) step(s);
  return s;
}

const STEPS: ((s: MemoryState) => void)[] = [
  (s) =>
    s.space("config").put("a.b", { dot: { author: K1.hex, seq: 1 }, stamp: stamp(5), value: 1 }),
  (s) =>
    s.space("prefs").put("lang", {
      dot: { author: K2.hex, seq: 2 },
      stamp: stamp(6, K2.hex),
      value: "fr",
    }),
  (s) => s.space("patterns").park("p", { author: K2.hex, seq: 9 }),
  (s) => s.space("config").setFloor("x", stamp(3)),
  (s) => s.setSeen(K1, 1),
  (s) => s.addApp("git"),
  (s) =>
    s.putMember(K2, {
      added: { by: K1, wall: 1, counter: 0, fields: FIELDS },
      removed: { by: K1, wall: 2, counter: 0, cut: 4 },
      self: { name: { seq: 3, value: "mine" } },
    }),
];

Deno.test("stateDigest() of the empty state is SHA-256 of its one header line", () => {
  const expected = toHex(sha256(utf8('["mycel-state",2]\n')));
  assert.equal(stateDigest(new MemoryState()), expected);
  assert.deepEqual([...stateLines(new MemoryState())], ['["mycel-state",2]']);
});

Deno.test("stateDigest() does not depend on the order rows were written in", () => {
  const forward = stateDigest(build(STEPS));
  assert.equal(stateDigest(build([...STEPS].reverse())), forward);
  assert.equal(
    stateDigest(build([STEPS[3], STEPS[0], STEPS[6], STEPS[1], STEPS[5], STEPS[2], STEPS[4]])),
    forward,
  );
});

Deno.test("stateDigest() changes when any row of any kind changes", () => {
  const base = stateDigest(build(STEPS));
  const changes: [string, (s: MemoryState) => void][] = [
    [
      "a version's value",
      (s) =>
        s.space("config").put("a.b", {
          dot: { author: K1.hex, seq: 1 },
          stamp: stamp(5),
          value: 2,
        }),
    ],
    [
      "a version's stamp",
      (s) =>
        s.space("config").put("a.b", {
          dot: { author: K1.hex, seq: 1 },
          stamp: stamp(6),
          value: 1,
        }),
    ],
    [
      "a version becoming a tombstone",
      (s) =>
        s.space("config").put("a.b", {
          dot: { author: K1.hex, seq: 1 },
          stamp: stamp(5),
          value: undefined,
        }),
    ],
    [
      "a version marked legacy",
      (s) =>
        s.space("config").put("a.b", {
          dot: { author: K1.hex, seq: 1 },
          stamp: stamp(5),
          value: 1,
          legacy: true,
        }),
    ],
    [
      "a version in another keyspace",
      (s) =>
        s.space("prefs").put("a.b", {
          dot: { author: K1.hex, seq: 1 },
          stamp: stamp(5),
          value: "1",
        }),
    ],
    ["a removed version", (s) => s.space("prefs").remove("lang", { author: K2.hex, seq: 2 })],
    ["a parked dot", (s) => s.space("patterns").park("q", { author: K2.hex, seq: 9 })],
    ["a floor", (s) => s.space("config").setFloor("x", stamp(4))],
    ["the frontier", (s) => s.setSeen(K2, 1)],
    ["an app", (s) => s.addApp("vim")],
    [
      "an admission",
      (s) =>
        s.putMember(K2, {
          ...s.member(K2)!,
          added: { by: K2, wall: 1, counter: 0, fields: FIELDS },
        }),
    ],
    [
      "a cut",
      (s) =>
        s.putMember(K2, { ...s.member(K2)!, removed: { by: K1, wall: 2, counter: 0, cut: 3 } }),
    ],
    [
      "a self-written field",
      (s) => s.putMember(K2, { ...s.member(K2)!, self: { name: { seq: 4, value: "mine" } } }),
    ],
    ["a member row", (s) => s.putMember(K1, EMPTY_MEMBER)],
  ];
  const seen = new Set([base]);
  for (const [label, change] of changes) {
    const d = stateDigest(build([...STEPS, change]));
    assert.notEqual(d, base, label);
    seen.add(d);
  }
  assert.equal(seen.size, changes.length + 1, "every change gives its own digest");
});
