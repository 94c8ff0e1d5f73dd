/**
 * @module state_bench
 * mycel's replicated state against Yjs on the same workload: 100,000
 * preference writes from 3 devices over 1,000 keys (device = write index
 * mod 3, key drawn at random with a fixed seed, value a random 8-character
 * string).
 *
 * mycel side. The writes become log entries — plain `Entry` objects (one
 * `pref.set` op each) with per-device increasing HLCs (wall = t0 + write
 * index, counter 0) and seqs. They are NOT signed and not encoded: this
 * measures the fold, not Ed25519 or CBOR (entries are verified once, when
 * they arrive, never when they are folded).
 * - "fold": `MeshState.apply` of all 100k entries into a fresh state (what a
 *   device does replaying a log, or receiving every entry from peers).
 * - "replay": the same, decoding each entry from its CBOR wire form first
 *   (`decodeSignedEntry`: CBOR, shape checks, SHA-256 of the entry) — what
 *   loading a log segment costs, minus the disk.
 * - "merge": `LwwMap.merge` of the three per-device maps into a fresh map.
 * - "writes + merge": each device `set`s its own writes into its own map,
 *   then the three maps are merged — the same shape as the Yjs benchmark.
 *
 * Yjs side (13.6, `import * as Y from "yjs"`): three `Y.Doc`s with client
 * ids 1, 2, 3 make their writes to a `Y.Map` ("prefs"), one transaction per
 * write; the merge applies the three `Y.encodeStateAsUpdate` into a fresh doc.
 * - "writes + merge": the whole thing;
 * - "merge": only applying the three prebuilt updates into a fresh doc.
 *
 * Sizes cannot be reported by `Deno.bench`; they are printed once at load:
 * the plain state (`plainState`) as JSON — what the snapshot file stores —
 * and as CBOR, the whole snapshot file, and `Y.encodeStateAsUpdate(merged)`.
 *
 *     deno bench -A bench/state_bench.ts
 */

import * as Y from "yjs";
import { utf8 } from "../src/bytes.ts";
import type { Hlc } from "../src/crdt/hlc.ts";
import { LwwMap } from "../src/crdt/lww_map.ts";
import { encodeCbor } from "../src/log/cbor.ts";
import { deviceIdFromKey } from "../src/log/device_id.ts";
import { decodeSignedEntry, type Entry } from "../src/log/entry.ts";
import { encodeOp } from "../src/log/ops.ts";
import { MeshState } from "../src/log/state.ts";
import { plainState, stateDigest as stateDigestOf } from "../src/log/state_codec.ts";
import type { LocalState } from "../src/storage/local_state.ts";
import { encodeSnapshot, type StoredHead } from "../src/storage/snapshot.ts";

const WRITES = 100_000;
const KEYS = 1_000;
const DEVICES = 3;
const SEED = 0x6d796365; // "myce"
const T0 = Date.UTC(2026, 0, 1);

/** mulberry32: small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Write {
  device: number;
  key: string;
  value: string;
}

const random = rng(SEED);
const writes: Write[] = Array.from({ length: WRITES }, (_, i) => ({
  device: i % DEVICES,
  key: `key${Math.floor(random() * KEYS)}`,
  value: Math.floor(random() * 36 ** 8).toString(36).padStart(8, "0"),
}));

// Real-looking device ids (the state keeps the full id as the HLC node).
const authorKeys = Array.from({ length: DEVICES }, (_, d) => new Uint8Array(32).fill(d + 1));
const authors = authorKeys.map(deviceIdFromKey);

const seqs = new Array<number>(DEVICES).fill(0);
const entries: Entry[] = writes.map((w, i) => ({
  author: authors[w.device],
  authorKey: authorKeys[w.device],
  seq: ++seqs[w.device],
  prev: null,
  hlc: { wall: T0 + i, counter: 0, node: authors[w.device] },
  ops: [{ type: "pref.set", key: w.key, value: w.value }],
}));

// The same entries in their wire form, as log segments store them: CBOR
// `[body, signature]` with an all-zero signature and prev (decoding checks the
// shape, not the signature or the chain; those are checked on arrival).
const wire: Uint8Array[] = entries.map((e) =>
  encodeCbor([
    encodeCbor([
      1,
      e.authorKey,
      e.seq,
      e.seq === 1 ? null : new Uint8Array(32),
      e.hlc.wall,
      e.hlc.counter,
      e.ops.map(encodeOp),
    ]),
    new Uint8Array(64),
  ])
);

function fold(): MeshState {
  const s = new MeshState();
  for (const e of entries) s.apply(e);
  return s;
}

function replay(): MeshState {
  const s = new MeshState();
  for (const bytes of wire) s.apply(decodeSignedEntry(bytes).entry);
  return s;
}

function deviceMaps(): LwwMap<string>[] {
  const maps = authors.map(() => new LwwMap<string>());
  for (let i = 0; i < WRITES; i++) {
    const w = writes[i];
    const stamp: Hlc = { wall: T0 + i, counter: 0, node: authors[w.device] };
    maps[w.device].set(w.key, w.value, stamp);
  }
  return maps;
}

function mergeMaps(maps: LwwMap<string>[]): LwwMap<string> {
  const merged = new LwwMap<string>();
  for (const m of maps) merged.merge(m);
  return merged;
}

function yjsDocs(): Y.Doc[] {
  const docs = authors.map((_, d) => {
    const doc = new Y.Doc();
    doc.clientID = d + 1;
    return doc;
  });
  const maps = docs.map((d) => d.getMap<string>("prefs"));
  for (const w of writes) docs[w.device].transact(() => maps[w.device].set(w.key, w.value));
  return docs;
}

function yjsMerge(updates: Uint8Array[]): Y.Doc {
  const merged = new Y.Doc();
  merged.clientID = 99;
  for (const u of updates) Y.applyUpdate(merged, u);
  return merged;
}

// ---- Sizes and a convergence check, printed once. ----

const state = fold();
const prebuiltMaps = deviceMaps();
const mergedMap = mergeMaps(prebuiltMaps);
const prebuiltUpdates = yjsDocs().map((d) => Y.encodeStateAsUpdate(d));
const mergedDoc = yjsMerge(prebuiltUpdates);
const yMap = mergedDoc.getMap<string>("prefs");

// Both sides must end with the same 1,000 keys; mycel's values must be the
// last write per key (Yjs resolves concurrent map writes by client id, not
// time, so its values may differ — only the key sets are compared).
const last = new Map<string, string>();
for (const w of writes) last.set(w.key, w.value);
if (state.prefs.size !== last.size || yMap.size !== last.size || mergedMap.size !== last.size) {
  throw new Error(`key counts differ: ${state.prefs.size} ${mergedMap.size} ${yMap.size}`);
}
for (const [k, v] of last) {
  if (state.prefs.get(k) !== v || mergedMap.get(k) !== v || !yMap.has(k)) {
    throw new Error(`state differs at ${k}`);
  }
}

const plain = plainState(state);
const jsonBytes = utf8(JSON.stringify(plain)).length;
const cborBytes = encodeCbor(plain).length;
const heads = new Map<string, StoredHead>(
  authors.map((a, d) => [a, { seq: seqs[d], hash: new Uint8Array(32), offset: seqs[d] * 200 }]),
);
const local: LocalState = {
  meshId: "abcdefghijklmnop",
  deviceId: authors[0],
  clock: { wall: T0 + WRITES, counter: 0 },
  peers: {},
  forks: [],
  skew: {},
};
const snapshotBytes = (await encodeSnapshot({ state: plain, heads, local })).length;
const yjsBytes = Y.encodeStateAsUpdate(mergedDoc).byteLength;
const yjsV2Bytes = Y.encodeStateAsUpdateV2(mergedDoc).byteLength;
const logBytes = wire.reduce((n, b) => n + 8 + b.length, 0);
if ((await stateDigestOf(replay())) !== (await stateDigestOf(state))) {
  throw new Error("replaying the wire form gives another state");
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  [
    `state size after ${WRITES} writes from ${DEVICES} devices over ${KEYS} keys ` +
    `(seed 0x${SEED.toString(16)}):`,
    `  mycel plainState as JSON (snapshot payload)  ${jsonBytes} B (${kb(jsonBytes)})`,
    `  mycel plainState as CBOR                     ${cborBytes} B (${kb(cborBytes)})`,
    `  mycel whole snapshot file (header + heads)   ${snapshotBytes} B (${kb(snapshotBytes)})`,
    `  Yjs encodeStateAsUpdate(merged)              ${yjsBytes} B (${kb(yjsBytes)})`,
    `  Yjs encodeStateAsUpdateV2(merged)            ${yjsV2Bytes} B (${kb(yjsV2Bytes)})`,
    `  (mycel log segments until compaction: ${logBytes} B (${kb(logBytes)}), ` +
    `${(8 + wire[0].length)} B per one-op entry)`,
    `  ratio mycel JSON / Yjs = 1/${(yjsBytes / jsonBytes).toFixed(2)}, ` +
    `CBOR / Yjs = 1/${(yjsBytes / cborBytes).toFixed(2)} (target ≤ 1/5)`,
  ].join("\n"),
);

// ---- Throughput. ----

Deno.bench({
  name: "mycel fold: MeshState.apply × 100k entries",
  group: "fold all writes into a fresh replica",
  baseline: true,
  fn() {
    fold();
  },
});

Deno.bench({
  name: "mycel replay: decode 100k wire entries + fold",
  group: "fold all writes into a fresh replica",
  fn() {
    replay();
  },
});

Deno.bench({
  name: "Yjs merge: applyUpdate × 3 full updates",
  group: "fold all writes into a fresh replica",
  fn() {
    yjsMerge(prebuiltUpdates);
  },
});

Deno.bench({
  name: "mycel merge: LwwMap.merge × 3 device maps",
  group: "fold all writes into a fresh replica",
  fn() {
    mergeMaps(prebuiltMaps);
  },
});

Deno.bench({
  name: "mycel writes + merge: 3 LwwMaps, 100k set, merge",
  group: "writes on 3 devices, then merge",
  baseline: true,
  fn() {
    mergeMaps(deviceMaps());
  },
});

Deno.bench({
  name: "Yjs writes + merge: 3 Y.Docs, 100k transact(set), encode, applyUpdate",
  group: "writes on 3 devices, then merge",
  fn() {
    yjsMerge(yjsDocs().map((d) => Y.encodeStateAsUpdate(d)));
  },
});
