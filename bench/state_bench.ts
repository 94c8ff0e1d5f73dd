/**
 * @module state_bench
 * mycel's replicated state against Yjs on the same workload: 100,000
 * preference writes from 3 devices over 1,000 keys (device = write index
 * mod 3, key drawn at random with a fixed seed, value a random 8-character
 * string). Each mycel write replaces the version it saw (the key's current
 * one: devices that sync often), as `mycel pref set` does.
 *
 * mycel side. The writes become log entries — plain `Entry` objects (one
 * `pref.set` op each, naming the dot it replaces) with per-device increasing
 * HLCs and seqs. They are NOT signed: this measures the fold, not Ed25519
 * (entries are verified once, when they arrive, never when they are folded).
 * - "fold": `foldEntry` of all 100k entries into a fresh in-memory state
 *   (`MemoryState`, the same fold and rows as the home).
 * - "replay": the same, decoding each entry from its wire form first
 *   (`decodeSignedEntry`: CBOR, shape and canonical checks, op validation,
 *   SHA-256 of the entry).
 * - "fold into SQLite": the same fold into the home's tables (`SqlState`,
 *   one transaction, WAL, as a write transaction does): what the database
 *   costs on top of the fold.
 * - "join": `mergeState` of the folded state into an empty one — what a new
 *   device does with a checkpoint's state.
 *
 * Yjs side (13.6, `import * as Y from "yjs"`): three `Y.Doc`s with client
 * ids 1, 2, 3 make their writes to a `Y.Map` ("prefs"), one transaction per
 * write; the merge applies the three `Y.encodeStateAsUpdate` into a fresh doc.
 * - "writes + merge": the whole thing;
 * - "merge": only applying the three prebuilt updates into a fresh doc.
 *
 * Sizes are printed once at load: the signed checkpoint of the state (what a
 * new device receives), the log's entries, and `Y.encodeStateAsUpdate` (v1,
 * v2) of the merged doc.
 *
 *     deno bench -A bench/state_bench.ts
 */

import * as Y from "yjs";
import { makeCheckpoint } from "../src/log/checkpoint.ts";
import { encodeCbor } from "../src/log/cbor.ts";
import { DeviceKey } from "../src/log/device_key.ts";
import { decodeSignedEntry, type Entry } from "../src/log/entry.ts";
import { foldEntry } from "../src/log/fold.ts";
import { generateDeviceKeys, Signer } from "../src/log/identity.ts";
import { encodeOp } from "../src/log/ops.ts";
import { stateDigest } from "../src/log/state_digest.ts";
import { mergeState } from "../src/log/state_merge.ts";
import { MemoryState } from "../src/log/state_memory.ts";
import { inTransaction, openWritable } from "../src/storage/db.ts";
import { createSchema } from "../src/storage/schema.ts";
import { SqlState } from "../src/storage/sql_state.ts";

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

const authors = Array.from(
  { length: DEVICES },
  (_, d) => DeviceKey.of(new Uint8Array(32).fill(d + 1)),
);
const seqs = new Array<number>(DEVICES).fill(0);
const shown = new Map<string, { author: DeviceKey; seq: number }>();
const entries: Entry[] = writes.map((w, i) => {
  const author = authors[w.device];
  const seq = ++seqs[w.device];
  const seen = shown.get(w.key);
  shown.set(w.key, { author, seq });
  return {
    author,
    seq,
    prev: null,
    hlc: { wall: T0 + i, counter: 0, node: author.hex },
    ops: [{ type: "pref.set", key: w.key, value: w.value, observed: seen ? [seen] : [] }],
  };
});

// The same entries in their wire form: CBOR `[body, signature]` with an
// all-zero signature and prev (decoding checks the shape, not the signature
// or the chain; those are checked on arrival).
const wire: Uint8Array[] = entries.map((e) =>
  encodeCbor([
    encodeCbor([
      1,
      e.author.bytes,
      e.seq,
      e.seq === 1 ? null : new Uint8Array(32),
      e.hlc.wall,
      e.hlc.counter,
      e.ops.map(encodeOp),
    ]),
    new Uint8Array(64),
  ])
);

function fold(): MemoryState {
  const s = new MemoryState();
  for (const e of entries) foldEntry(s, e);
  return s;
}

function replay(): MemoryState {
  const s = new MemoryState();
  for (const bytes of wire) foldEntry(s, decodeSignedEntry(bytes).entry);
  return s;
}

let sqlRuns = 0;
async function foldSql(): Promise<SqlState> {
  const path = await Deno.makeTempFile({ prefix: "mycel-state-bench-", suffix: ".db" });
  await Deno.remove(path);
  const db = await openWritable(path);
  try {
    const state = new SqlState(db);
    await inTransaction(db, path, () => {
      createSchema(db);
      state.cacheRows(true);
      for (const e of entries) foldEntry(state, e);
      state.flush();
    });
    state.cacheRows(false);
    if (sqlRuns++ === 0 && stateDigest(state) !== stateDigest(reference)) {
      throw new Error("the SQLite fold gives another state");
    }
    return state;
  } finally {
    db.close();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) await Deno.remove(f).catch(() => {});
  }
}

function join(from: MemoryState): MemoryState {
  const s = new MemoryState();
  mergeState(s, from);
  return s;
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

const reference = fold();
const prebuiltUpdates = yjsDocs().map((d) => Y.encodeStateAsUpdate(d));
const mergedDoc = yjsMerge(prebuiltUpdates);
const yMap = mergedDoc.getMap<string>("prefs");

// Both sides end with the same keys; mycel's values are the last write per
// key (Yjs resolves concurrent map writes by client id, not time, so only
// its key set is compared).
const last = new Map<string, string>();
for (const w of writes) last.set(w.key, w.value);
const prefs = new Map(reference.view.prefs());
if (prefs.size !== last.size || yMap.size !== last.size) {
  throw new Error(`key counts differ: ${prefs.size} ${yMap.size} ${last.size}`);
}
for (const [k, v] of last) {
  if (prefs.get(k) !== v || !yMap.has(k)) throw new Error(`state differs at ${k}`);
}
if (stateDigest(replay()) !== stateDigest(reference)) throw new Error("replay differs from fold");
if (stateDigest(join(reference)) !== stateDigest(reference)) throw new Error("join differs");

const signer = new Signer(await generateDeviceKeys());
const checkpoint = await makeCheckpoint(
  reference,
  authors.map((author, d) => ({ author, seq: seqs[d], hash: new Uint8Array(32) })),
  { mesh: "benchmesh", made: T0 + WRITES },
  signer,
);
const yjsBytes = Y.encodeStateAsUpdate(mergedDoc).byteLength;
const yjsV2Bytes = Y.encodeStateAsUpdateV2(mergedDoc).byteLength;
const logBytes = wire.reduce((n, b) => n + b.length, 0);

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  [
    `sizes after ${WRITES} writes from ${DEVICES} devices over ${KEYS} keys ` +
    `(seed 0x${SEED.toString(16)}), load average ${
      Deno.loadavg().map((l) => l.toFixed(2)).join(" ")
    }:`,
    `  mycel signed checkpoint of the state      ${checkpoint.length} B (${kb(checkpoint.length)})`,
    `  Yjs encodeStateAsUpdate(merged)           ${yjsBytes} B (${kb(yjsBytes)})`,
    `  Yjs encodeStateAsUpdateV2(merged)         ${yjsV2Bytes} B (${kb(yjsV2Bytes)})`,
    `  mycel log entries (until compacted)       ${logBytes} B (${kb(logBytes)}), ` +
    `${wire[wire.length - 1].length} B per one-op entry (unsigned here: +0)`,
    `  checkpoint / Yjs v1 = 1/${(yjsBytes / checkpoint.length).toFixed(2)}, ` +
    `/ Yjs v2 = 1/${(yjsV2Bytes / checkpoint.length).toFixed(2)}`,
  ].join("\n"),
);

// ---- Throughput. ----

Deno.bench({
  name: "mycel fold: foldEntry × 100k into a MemoryState",
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
  name: "mycel fold into SQLite: foldEntry × 100k into SqlState, one transaction",
  group: "fold all writes into a fresh replica",
  async fn() {
    await foldSql();
  },
});

Deno.bench({
  name: "mycel join: mergeState of the whole state into an empty one",
  group: "fold all writes into a fresh replica",
  fn() {
    join(reference);
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
  name: "Yjs writes + merge: 3 Y.Docs, 100k transact(set), encode, applyUpdate",
  group: "writes on 3 devices, then merge",
  fn() {
    yjsMerge(yjsDocs().map((d) => Y.encodeStateAsUpdate(d)));
  },
});
