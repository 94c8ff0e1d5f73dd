/**
 * @module snapshot_test
 * The snapshot file: encode/decode round trips (state, heads, local
 * bookkeeping), detection of every single flipped byte, and rejection of
 * malformed contents behind a valid checksum.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, plain, utf8 } from "../../src/bytes.ts";
import type { Json } from "../../src/crdt/json.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { MeshState } from "../../src/log/state.ts";
import { plainState } from "../../src/log/state_codec.ts";
import { newPeerBook } from "../../src/storage/local_state.ts";
import {
  decodeSnapshot,
  encodeSnapshot,
  type Snapshot,
  type StoredHead,
} from "../../src/storage/snapshot.ts";

const A = deviceIdFromKey(new Uint8Array(32).fill(1));
const B = deviceIdFromKey(new Uint8Array(32).fill(2));

function sample(): Snapshot {
  const s = new MeshState();
  s.apply({
    author: A,
    authorKey: new Uint8Array(32).fill(1),
    seq: 1,
    prev: null,
    hlc: { wall: 1000, counter: 0, node: A },
    ops: [
      { type: "pref.set", key: "theme", value: "dark" },
      { type: "pattern.add", id: "p", value: { id: "p", n: 1 } },
      { type: "app.add", name: "git" },
    ],
  });
  return {
    state: plainState(s),
    heads: new Map<string, StoredHead>([
      [B, { seq: 7, hash: new Uint8Array(32).fill(0xbb), offset: 1234 }],
      [A, { seq: 1, hash: new Uint8Array(32).fill(0xaa), offset: 99 }],
    ]),
    local: {
      meshId: "mesh",
      deviceId: A,
      clock: { wall: 1000, counter: 3 },
      peers: { [B]: { ...newPeerBook(), lastSync: 5, heads: { [A]: 1 } } },
      forks: [],
      skew: {},
    },
  };
}

/** A file with a valid header and checksum around any payload bytes. */
async function withChecksum(payload: Uint8Array, version = 2): Promise<Uint8Array> {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setUint32(0, version, true);
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", plain(payload)));
  return concatBytes(utf8("MYCELSNP"), v, sum, payload);
}

Deno.test("encodeSnapshot() -> decodeSnapshot() round-trips state, heads and local bookkeeping", async () => {
  const snap = sample();
  const back = await decodeSnapshot(await encodeSnapshot(snap));
  assert.deepStrictEqual(back.state, JSON.parse(JSON.stringify(snap.state)));
  assert.deepEqual([...back.heads].sort(), [...snap.heads].sort());
  assert.deepStrictEqual(back.local, JSON.parse(JSON.stringify(snap.local)));
});

Deno.test("encodeSnapshot() is deterministic: heads are sorted by author", async () => {
  const a = sample();
  const b = sample();
  const reversed = new Map([...b.heads].reverse());
  assert.deepEqual(await encodeSnapshot(a), await encodeSnapshot({ ...b, heads: reversed }));
});

Deno.test("encodeSnapshot() round-trips arbitrary JSON states and heads (property)", async () => {
  const headArb = fc.record({
    seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    offset: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), headArb, { maxKeys: 4 }),
      async (state, heads) => {
        const snap: Snapshot = {
          state: state as Json,
          heads: new Map(Object.entries(heads)),
          local: sample().local,
        };
        const back = await decodeSnapshot(await encodeSnapshot(snap));
        assert.equal(JSON.stringify(back.state), JSON.stringify(state));
        assert.equal(back.heads.size, snap.heads.size);
        for (const [k, h] of snap.heads) assert.deepEqual(back.heads.get(k), { ...h });
      },
    ),
    { seed: 91, numRuns: 200 },
  );
});

Deno.test("decodeSnapshot() detects every single flipped byte", async () => {
  const bytes = await encodeSnapshot(sample());
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0xff]) {
      const bad = bytes.slice();
      bad[i] ^= mask;
      await assert.rejects(() => decodeSnapshot(bad), Error, `byte ${i} ^ ${mask}`);
    }
  }
});

Deno.test("decodeSnapshot() detects truncation at every length", async () => {
  const bytes = await encodeSnapshot(sample());
  for (let n = 0; n < bytes.length; n++) {
    await assert.rejects(() => decodeSnapshot(bytes.subarray(0, n)), Error, `length ${n}`);
  }
  await assert.rejects(() => decodeSnapshot(concatBytes(bytes, new Uint8Array([0x20]))), Error);
});

Deno.test("decodeSnapshot() names the reason: header, version, checksum", async () => {
  const bytes = await encodeSnapshot(sample());
  const badMagic = bytes.slice();
  badMagic[0] = 0x4e;
  await assert.rejects(() => decodeSnapshot(badMagic), /bad header/);
  await assert.rejects(() => decodeSnapshot(new Uint8Array(10)), /bad header/);
  const v3 = bytes.slice();
  v3[8] = 3;
  await assert.rejects(() => decodeSnapshot(v3), /unsupported snapshot version 3/);
  const sum = bytes.slice();
  sum[20] ^= 1;
  await assert.rejects(() => decodeSnapshot(sum), /checksum mismatch/);
});

Deno.test("decodeSnapshot() rejects malformed payloads even behind a valid checksum", async () => {
  const hash = "ab".repeat(32);
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{", /not valid JSON/],
    ["not UTF-8", "\uFFFD", /./], // replaced below with invalid bytes
    ["not an object", "[1]", /payload malformed/],
    ["null", "null", /./],
    ["heads missing", '{"state":null,"local":{}}', /payload malformed/],
    ["heads not a list", '{"state":null,"heads":{},"local":{}}', /payload malformed/],
    ["local missing", '{"state":null,"heads":[]}', /payload malformed/],
    [
      "head author not text",
      `{"state":null,"heads":[[1,1,"${hash}",0]],"local":{}}`,
      /head is malformed/,
    ],
    [
      "head seq text",
      `{"state":null,"heads":[["a","1","${hash}",0]],"local":{}}`,
      /head is malformed/,
    ],
    [
      "head hash short",
      '{"state":null,"heads":[["a",1,"abcd",0]],"local":{}}',
      /head is malformed/,
    ],
    [
      "head hash upper case",
      `{"state":null,"heads":[["a",1,"${hash.toUpperCase()}",0]],"local":{}}`,
      /head is malformed/,
    ],
    [
      "head offset fractional",
      `{"state":null,"heads":[["a",1,"${hash}",0.5]],"local":{}}`,
      /head is malformed/,
    ],
    ["head not a list", '{"state":null,"heads":[null],"local":{}}', /./],
  ];
  for (const [label, text, reason] of cases) {
    const payload = label === "not UTF-8" ? new Uint8Array([0xff, 0xfe]) : utf8(text);
    await assert.rejects(async () => decodeSnapshot(await withChecksum(payload)), reason, label);
  }
});
