/**
 * @module sync_heads_test
 * Heads (author → latest seq and hash) and their 16-byte digest: the digest
 * does not depend on map order and changes with any author, seq or hash;
 * `headsFromWire` takes rows strictly ascending by key, within a message and
 * after the previous message's last author, and refuses everything else.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import { MAX_HEADS } from "../../src/protocol/sync_fields.ts";
import {
  type Head,
  type Heads,
  headsDigest,
  headsFromWire,
  sortedHeads,
} from "../../src/protocol/sync_heads.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { rng } from "../helpers/random.ts";
import { headRowsArb } from "./sync_arbs.ts";

const key = (b: number) => DeviceKey.of(new Uint8Array(32).fill(b));
const hash = (b: number) => new Uint8Array(32).fill(b);
const wire = (rows: [DeviceKey, Head][]) => rows.map(([k, h]) => [k.bytes, h.seq, h.hash]);

Deno.test("headsDigest() is 16 bytes and ignores the order the map was filled in", () => {
  fc.assert(
    fc.property(headRowsArb, fc.nat(), (rows, seed) => {
      const random = rng(seed);
      const shuffled = rows.map((r) => [random(), r] as const).sort(([a], [b]) => a - b).map((
        [, r],
      ) => r);
      const d = headsDigest(new Map(rows));
      assert.equal(d.length, 16);
      assert.deepEqual(headsDigest(new Map(shuffled)), d);
      assert.deepEqual(sortedHeads(new Map(shuffled)), rows);
    }),
    { seed: 101, numRuns: 500 },
  );
});

Deno.test("headsDigest() changes when any author, seq or hash changes, or a row is added", () => {
  const base: Heads = new Map([[key(1), { seq: 5, hash: hash(1) }], [key(2), {
    seq: 9,
    hash: hash(2),
  }]]);
  const d = headsDigest(base).toHex();
  const variants: Heads[] = [
    new Map([[key(3), { seq: 5, hash: hash(1) }], [key(2), { seq: 9, hash: hash(2) }]]),
    new Map([[key(1), { seq: 6, hash: hash(1) }], [key(2), { seq: 9, hash: hash(2) }]]),
    new Map([[key(1), { seq: 5, hash: hash(7) }], [key(2), { seq: 9, hash: hash(2) }]]),
    new Map([...base, [key(4), { seq: 1, hash: hash(4) }]]),
    new Map([[key(1), { seq: 5, hash: hash(1) }]]),
    new Map(),
  ];
  const all = new Set([d, ...variants.map((v) => headsDigest(v).toHex())]);
  assert.equal(all.size, variants.length + 1);
});

Deno.test("headsDigest() with evidence: unchanged without any, differs with any, ignores its order", () => {
  const base: Heads = new Map([[key(1), { seq: 5, hash: hash(1) }]]);
  const plain = headsDigest(base).toHex();
  assert.equal(headsDigest(base, []).toHex(), plain, "no evidence: the digest of the heads alone");
  const one = headsDigest(base, [hash(8)]).toHex();
  const two = headsDigest(base, [hash(8), hash(9)]).toHex();
  assert.equal(new Set([plain, one, two]).size, 3);
  assert.equal(headsDigest(base, [hash(9), hash(8)]).toHex(), two);
});

Deno.test("headsFromWire() reads ascending rows and continues after the previous message's last author", () => {
  const rows: [DeviceKey, Head][] = [[key(1), { seq: 1, hash: hash(1) }], [key(2), {
    seq: 2,
    hash: hash(2),
  }]];
  assert.deepEqual(headsFromWire(wire(rows)), rows);
  assert.deepEqual(headsFromWire(wire(rows.slice(1)), key(1)), rows.slice(1));
  assert.deepEqual(headsFromWire([], key(9)), []);
});

Deno.test("headsFromWire() refuses unsorted, repeated or continuing-backwards rows", () => {
  const r = (b: number) => [key(b).bytes, 1, hash(b)];
  const cases: [string, unknown, DeviceKey | undefined][] = [
    ["descending", [r(2), r(1)], undefined],
    ["repeated", [r(1), r(1)], undefined],
    ["equal to the previous message's last", [r(3)], key(3)],
    ["below the previous message's last", [r(2)], key(3)],
  ];
  for (const [label, raw, after] of cases) {
    const e = assertMycelError(() => headsFromWire(raw, after), "bad_message", label);
    assert.match(e.message, /sorted and distinct/);
  }
});

Deno.test("headsFromWire() refuses malformed rows with bad_message naming the field", () => {
  const k = key(1).bytes, h = hash(1);
  const cases: [string, unknown, RegExp][] = [
    ["not a list", { 0: [k, 1, h] }, /CBOR array/],
    ["a row with 2 fields", [[k, 1]], /3/],
    ["a row with 4 fields", [[k, 1, h, 0]], /3/],
    ["a 31-byte author", [[k.subarray(1), 1, h]], /head author/],
    ["an author as text", [[key(1).hex, 1, h]], /head author/],
    ["seq 0", [[k, 0, h]], /head seq/],
    ["seq fractional", [[k, 1.5, h]], /head seq/],
    ["seq 2^53", [[k, 2 ** 53, h]], /head seq/],
    ["seq as text", [[k, "1", h]], /head seq/],
    ["a 33-byte hash", [[k, 1, new Uint8Array(33)]], /head hash/],
    [`${MAX_HEADS + 1} rows`, Array(MAX_HEADS + 1).fill([k, 1, h]), new RegExp(String(MAX_HEADS))],
  ];
  for (const [label, raw, reason] of cases) {
    const e = assertMycelError(() => headsFromWire(raw), "bad_message", label);
    assert.match(e.message, reason, label);
  }
});

Deno.test(`headsFromWire() accepts exactly ${MAX_HEADS} rows`, () => {
  const rows = Array.from({ length: MAX_HEADS }, (_, i) => {
    const b = new Uint8Array(32);
    b[30] = i >> 8;
    b[31] = i & 255;
    return [b, i + 1, hash(1)];
  });
  assert.equal(headsFromWire(rows).length, MAX_HEADS);
});
