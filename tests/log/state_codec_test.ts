/**
 * @module state_codec_test
 * The plain form of the state: `plainState` -> `stateFromPlain` round trips
 * (directly and through JSON text, as snapshots store it) keep the digest and
 * keep folding identically; the digest is a stable SHA-256; malformed plain
 * forms are rejected with an Error, never a crash.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { plain, toHex, utf8 } from "../../src/bytes.ts";
import type { Json } from "../../src/crdt/json.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import type { Entry } from "../../src/log/entry.ts";
import type { Op } from "../../src/log/ops.ts";
import { MeshState } from "../../src/log/state.ts";
import { plainState, stateDigest, stateFromPlain } from "../../src/log/state_codec.ts";
import { assertThrowsError, opArb } from "./helpers.ts";

const KEYS = [1, 2, 3].map((b) => new Uint8Array(32).fill(b));
const AUTHORS = KEYS.map(deviceIdFromKey);

/** Unsigned entries (the fold does not look at signatures): author i's next seq. */
function entriesOf(script: [number, number, Op[]][]): Entry[] {
  const seqs = [0, 0, 0];
  return script.map(([who, wall, ops]) => {
    const author = AUTHORS[who];
    const seq = ++seqs[who];
    return {
      author,
      authorKey: KEYS[who],
      seq,
      prev: seq === 1 ? null : new Uint8Array(32),
      hlc: { wall, counter: seq, node: author },
      ops,
    };
  });
}

/** Ops that refer to the script's own authors, so removes hit real adds. */
const localOpArb: fc.Arbitrary<Op> = fc.oneof(
  opArb,
  fc.record({
    type: fc.constant("pattern.remove" as const),
    id: fc.constantFrom("p", "q"),
    dots: fc.array(
      fc.record({ author: fc.constantFrom(...AUTHORS), seq: fc.integer({ min: 1, max: 4 }) }),
      { maxLength: 3 },
    ),
  }),
  fc.tuple(fc.constantFrom("p", "q"), fc.nat(9)).map(([id, n]): Op => ({
    type: "pattern.add",
    id,
    value: { id, n },
  })),
  fc.record({
    type: fc.constant("device.revoke" as const),
    id: fc.constantFrom(...AUTHORS),
    upTo: fc.nat(9),
  }),
);

const scriptArb = fc.array(
  fc.tuple(fc.nat(2), fc.nat(50), fc.array(localOpArb, { minLength: 1, maxLength: 4 })),
  { maxLength: 12 },
);

function fold(entries: readonly Entry[]): MeshState {
  const s = new MeshState();
  for (const e of entries) s.apply(e);
  return s;
}

Deno.test("stateDigest() of the empty state is SHA-256 of its canonical plain text", async () => {
  const text = "[1,[],[],[],[[],[],[]],[[],[]],[]]";
  const want = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", plain(utf8(text)))));
  assert.equal(await stateDigest(new MeshState()), want);
  assert.match(want, /^[0-9a-f]{64}$/);
});

Deno.test("plainState() -> stateFromPlain() keeps the digest and the plain form", async () => {
  await fc.assert(
    fc.asyncProperty(scriptArb, async (script) => {
      const s = fold(entriesOf(script));
      const plain = plainState(s);
      const back = stateFromPlain(plain);
      assert.deepStrictEqual(plainState(back), plain);
      assert.equal(await stateDigest(back), await stateDigest(s));
    }),
    { seed: 61, numRuns: 300 },
  );
});

Deno.test("plainState() survives JSON text (as snapshots store it) with the same digest", async () => {
  await fc.assert(
    fc.asyncProperty(scriptArb, async (script) => {
      const s = fold(entriesOf(script));
      const back = stateFromPlain(JSON.parse(JSON.stringify(plainState(s))));
      assert.equal(await stateDigest(back), await stateDigest(s));
    }),
    { seed: 62, numRuns: 300 },
  );
});

Deno.test("a restored state keeps folding exactly like the original (parked removes, seen vectors)", async () => {
  await fc.assert(
    fc.asyncProperty(scriptArb, fc.nat(12), async (script, cut) => {
      const entries = entriesOf(script);
      const k = Math.min(cut, entries.length);
      const original = fold(entries.slice(0, k));
      const restored = stateFromPlain(JSON.parse(JSON.stringify(plainState(original))));
      for (const e of entries.slice(k)) {
        original.apply(e);
        restored.apply(e);
      }
      assert.equal(await stateDigest(restored), await stateDigest(original));
      assert.equal(await stateDigest(original), await stateDigest(fold(entries)));
    }),
    { seed: 63, numRuns: 300 },
  );
});

Deno.test("stateDigest() differs when any part of the state differs", async () => {
  const base = entriesOf([[0, 1, [{ type: "app.add", name: "git" }]]]);
  const variants: Op[][] = [
    [{ type: "app.add", name: "vim" }],
    [{ type: "config.set", key: "k", value: 1 }],
    [{ type: "config.unset", key: "k" }],
    [{ type: "pref.set", key: "k", value: "v" }],
    [{ type: "pref.unset", key: "k" }],
    [{ type: "pattern.add", id: "p", value: { id: "p" } }],
    [{ type: "pattern.remove", id: "p", dots: [{ author: AUTHORS[2], seq: 9 }] }],
    [{ type: "device.revoke", id: AUTHORS[2], upTo: 0 }],
    [{ type: "device.update", id: AUTHORS[2], fields: { name: "x" } }],
  ];
  const digests = new Set<string>([await stateDigest(fold(base))]);
  for (const ops of variants) {
    digests.add(
      await stateDigest(
        fold([
          ...base,
          ...entriesOf([[0, 1, [{ type: "app.add", name: "git" }]], [1, 5, ops]]).slice(1),
        ]),
      ),
    );
  }
  assert.equal(digests.size, variants.length + 1);
});

// ---------------------------------------------------------------------------
// Malformed plain forms

const VALID = (() => {
  const s = fold(entriesOf([
    [0, 1, [{ type: "config.set", key: "k", value: 1 }, { type: "config.unset", key: "u" }]],
    [1, 2, [{ type: "pref.set", key: "p", value: "v" }, { type: "app.add", name: "git" }]],
    [1, 3, [{ type: "pattern.add", id: "p", value: { id: "p" } }]],
    [2, 4, [{ type: "pattern.remove", id: "q", dots: [{ author: AUTHORS[0], seq: 7 }] }]],
    [2, 5, [{ type: "device.revoke", id: AUTHORS[1], upTo: 0 }]],
    [0, 6, [{
      type: "device.add",
      device: {
        id: AUTHORS[2],
        name: "n",
        noiseKey: "",
        wgKey: "",
        endpoints: [],
        ipv4: "",
        wgPort: 0,
      },
    }]],
  ]));
  return plainState(s) as Json[];
})();

/** A deep copy of VALID with `path` replaced by `value` (or removed when value is undefined). */
function tweak(path: number[], value: unknown): unknown {
  const copy = structuredClone(VALID) as unknown[];
  let at = copy as unknown[];
  for (const i of path.slice(0, -1)) at = at[i] as unknown[];
  const last = path[path.length - 1];
  if (value === undefined) at.splice(last, 1);
  else at[last] = value;
  return copy;
}

Deno.test("the reference plain form is accepted (sanity check for the malformed cases)", () => {
  assert.deepStrictEqual(plainState(stateFromPlain(VALID)), VALID);
  // Its shape, as the cases below assume.
  assert.equal((VALID[1] as Json[]).length, 2);
  assert.equal((VALID[4] as Json[][])[0].length, 1);
  assert.equal((VALID[4] as Json[][])[2].length, 1);
  assert.equal((VALID[5] as Json[][])[0].length, 1);
  assert.equal((VALID[5] as Json[][])[1].length, 1);
});

Deno.test("stateFromPlain() rejects malformed input with an Error", () => {
  const cases: [string, unknown][] = [
    ["null", null],
    ["a number", 1],
    ["an object", { 0: 1 }],
    ["empty list", []],
    ["version 2", tweak([0], 2)],
    ["version text", tweak([0], "1")],
    ["config missing", [1]],
    ["config not a list", tweak([1], {})],
    ["register not a list", tweak([1, 0], "k")],
    ["register key not text", tweak([1, 0, 0], 5)],
    ["register wall negative", tweak([1, 0, 1], -1)],
    ["register wall fractional", tweak([1, 0, 1], 1.5)],
    ["register wall text", tweak([1, 0, 1], "1")],
    ["register counter null", tweak([1, 0, 2], null)],
    ["register node not text", tweak([1, 0, 3], 7)],
    ["register with two values", tweak([1, 0], ["k", 1, 0, "n", 1, 2])],
    ["register too short", tweak([1, 0], ["k", 1])],
    ["prefs not a list", tweak([2], "p")],
    ["apps not a list", tweak([3], "git")],
    ["app not text", tweak([3, 0], 5)],
    ["patterns not a list", tweak([4], {})],
    ["pattern tags not a list", tweak([4, 0], 1)],
    ["pattern entry not a list", tweak([4, 0, 0], "p")],
    ["pattern id not text", tweak([4, 0, 0, 0], 1)],
    ["pattern tag list not a list", tweak([4, 0, 0, 1], {})],
    ["pattern tag author not text", tweak([4, 0, 0, 1, 0, 0], 1)],
    ["pattern tag seq negative", tweak([4, 0, 0, 1, 0, 1], -1)],
    ["pattern tag wall text", tweak([4, 0, 0, 1, 0, 2], "x")],
    ["pattern value not an object", tweak([4, 0, 0, 1, 0, 4], "p")],
    ["pattern value an array", tweak([4, 0, 0, 1, 0, 4], ["p"])],
    ["pattern value null", tweak([4, 0, 0, 1, 0, 4], null)],
    ["seen not a list", tweak([4, 1], 3)],
    ["seen entry seq text", tweak([4, 1, 0, 1], "2")],
    ["pending not a list", tweak([4, 2], "q")],
    ["pending dot seq fractional", tweak([4, 2, 0, 1, 0, 1], 0.5)],
    ["pending dot author not text", tweak([4, 2, 0, 1, 0, 0], null)],
    ["members not a list", tweak([5], {})],
    ["added not a list", tweak([5, 0], 1)],
    ["added entry not a list", tweak([5, 0, 0], "id")],
    ["added event missing", tweak([5, 0, 0], [AUTHORS[2]])],
    ["added event null", tweak([5, 0, 0, 1], null)],
    ["added event by not text", tweak([5, 0, 0, 1], { by: 1, wall: 1, counter: 0 })],
    ["removed event wall negative", tweak([5, 1, 0, 1], { by: "x", wall: -5, counter: 0 })],
    ["removed event a string", tweak([5, 1, 0, 1], "event")],
    ["devices not a list", tweak([6], null)],
    ["device register node missing", tweak([6, 0], ["k", 1, 1])],
  ];
  for (const [label, x] of cases) assertThrowsError(() => stateFromPlain(x), label);
});

Deno.test("stateFromPlain() fuzz: random edits of a valid form give a state or an Error", async () => {
  const jsonish: fc.Arbitrary<unknown> = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(undefined, -1, 1.5, 2 ** 53, "", [], {}, [[]], [null], NaN),
  );
  const paths: number[][] = [];
  (function walk(x: unknown, path: number[]) {
    if (path.length > 0) paths.push(path);
    if (Array.isArray(x)) x.forEach((v, i) => walk(v, [...path, i]));
  })(VALID, []);
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.constantFrom(...paths), jsonish), { minLength: 1, maxLength: 3 }),
      async (edits) => {
        const x = structuredClone(VALID) as unknown[];
        for (const [path, v] of edits) {
          // Follow the path while it still leads through lists; edit where it stops.
          let at = x;
          let depth = 0;
          while (depth < path.length - 1 && Array.isArray(at[path[depth]])) {
            at = at[path[depth]] as unknown[];
            depth++;
          }
          at[path[depth]] = v;
        }
        let s: MeshState;
        try {
          s = stateFromPlain(x);
        } catch (e) {
          assert.ok(e instanceof Error, `non-Error thrown: ${String(e)}`);
          return;
        }
        accepted++;
        // Whatever was accepted is a usable state.
        const digest = await stateDigest(s);
        assert.match(digest, /^[0-9a-f]{64}$/);
        assert.equal(await stateDigest(stateFromPlain(plainState(s))), digest);
      },
    ),
    { seed: 64, numRuns: 3000 },
  );
  assert.ok(accepted > 0);
});
