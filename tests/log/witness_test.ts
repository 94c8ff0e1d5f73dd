/**
 * @module witness_test
 * A removal cuts no lower than what its author's own entries show it had
 * seen of the removed device (src/log/witness.ts): a stolen member can't
 * erase entries it had provably seen by writing a small `upTo`.
 * - pure: what an entry names of other devices;
 * - replicas (real Ingest and fold over in-memory logs, refolding as a home
 *   does): the cut is the witness whatever order the entries arrive in, and
 *   a fold from scratch agrees;
 * - checkpoints carry the witness, refuse a malformed one, and a state
 *   started from one cuts a later removal as a state holding the entries.
 */

import assert from "node:assert/strict";
import { concatBytes, toHex, utf8 } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import { makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import { rebuildState } from "../../src/log/rebuild.ts";
import { revokeEvents } from "../../src/log/removals.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { entryWitness } from "../../src/log/witness.ts";
import { type TestDevice, testDevices } from "./helpers.ts";
import { MemoryLog } from "./memory_log.ts";

const T = 1_700_000_000_000;
const CONTEXT = utf8("mycel/checkpoint/v1\0");

interface Mesh {
  f: TestDevice;
  a: TestDevice;
  b: TestDevice;
}

/** Founder f admits a and b; each announces itself; b writes three preferences. */
async function mesh(): Promise<Mesh> {
  const [f, a, b] = await testDevices(3);
  for (const d of [f, a, b]) d.log.length = 0;
  await f.append([a, b, f].map((d) => ({ type: "device.add", device: d.record() })), T);
  for (const d of [a, b]) await d.append([{ type: "device.add", device: d.record() }], T + 1);
  for (let i = 2; i <= 4; i++) {
    await b.append([{ type: "pref.set", key: `b${i}`, value: "v", observed: [] }], T + i);
  }
  return { f, a, b };
}

async function replica(f: TestDevice, batches: SignedEntry[][]): Promise<MemoryLog> {
  let r = new MemoryLog([f.key]);
  for (const batch of batches) {
    if ((await r.receive(batch.map((e) => e.bytes))).refold) r = await r.refolded();
  }
  return r;
}

Deno.test("entryWitness: the highest seq an entry names of each other device, from replaced versions, pattern removals and folder progress; not its own", async () => {
  const { a, b, f } = await mesh();
  const e = await a.append([
    { type: "pref.set", key: "x", value: "1", observed: [{ author: b.key, seq: 2 }] },
    {
      type: "config.unset",
      key: "y",
      observed: [{ author: b.key, seq: 3 }, { author: a.key, seq: 9 }],
    },
    { type: "pattern.remove", id: "p", dots: [{ author: f.key, seq: 1 }] },
    {
      type: "folder.progress",
      folder: "docs",
      progress: {
        needFiles: 0,
        needBytes: 0,
        conflicts: 0,
        stopped: "",
        frontier: [[b.key, 2]],
      },
    },
  ], T + 9);
  assert.deepEqual(entryWitness(e.entry), new Map([[b.key.hex, 3], [f.key.hex, 1]]));
  const plain = await a.append([{ type: "app.add", name: "vim" }], T + 10);
  assert.deepEqual(entryWitness(plain.entry), new Map());
});

Deno.test("replicas: a removal whose author had replaced b's #3 cuts b at #3, not at the 0 it claims, in either order", async () => {
  const { f, a, b } = await mesh();
  // a names b#3 as a version it replaced: a had seen b up to #3.
  const saw = await a.append(
    [{ type: "pref.set", key: "b3", value: "mine", observed: [{ author: b.key, seq: 3 }] }],
    T + 10,
  );
  const hostile = await a.append([{ type: "device.revoke", device: b.key, upTo: 0 }], T + 11);
  const late = await b.append([{ type: "pref.set", key: "b5", value: "v", observed: [] }], T + 12);
  const base = [...f.log, ...a.log.slice(0, 1), ...b.log.slice(0, 4)];
  const x = await replica(f, [base, [saw, hostile], [late]]);
  const y = await replica(f, [[...f.log, ...a.log.slice(0, 1)], [saw, hostile], b.log]);
  for (const r of [x, y]) {
    assert.equal(r.member(b.key)?.removed?.cut, 3, "cut at what a had seen");
    assert.equal(r.view.pref("b2"), "v", "b's entries a had seen stay folded");
    assert.equal(r.view.pref("b4"), undefined, "b#4 (pref b4), past the cut, is not folded");
    assert.equal(r.view.pref("b5"), undefined);
    assert.equal(r.view.pref("b3"), "mine");
  }
  assert.equal(stateDigest(x), stateDigest(y));
  const scratch = await x.refolded();
  assert.equal(scratch.member(b.key)?.removed?.cut, 3, "a fold from scratch agrees");
  assert.equal(stateDigest(scratch), stateDigest(x));
});

Deno.test("replicas: a removal in the same entry as the write that names b#2 cuts at #2; without any such write the claimed 0 stands", async () => {
  const { f, a, b } = await mesh();
  const both = await a.append([
    { type: "pref.set", key: "k", value: "1", observed: [{ author: b.key, seq: 2 }] },
    { type: "device.revoke", device: b.key, upTo: 0 },
  ], T + 10);
  const r = await replica(f, [[...f.log, ...a.log.slice(0, 1), ...b.log], [both]]);
  assert.equal(r.member(b.key)?.removed?.cut, 2);
  assert.equal(r.view.pref("b2"), "v");
  assert.equal(r.view.pref("b3"), undefined);

  const m = await mesh();
  const bare = await m.a.append([{ type: "device.revoke", device: m.b.key, upTo: 0 }], T + 10);
  const s = await replica(m.f, [[...m.f.log, ...m.a.log.slice(0, 1), ...m.b.log], [bare]]);
  assert.equal(s.member(m.b.key)?.removed?.cut, 0, "nothing a wrote names b: its word stands");
  assert.equal(s.view.pref("b2"), undefined);
});

Deno.test("checkpoints: the witness round-trips; a state started from one cuts a later removal as one holding the entries does", async () => {
  const { f, a, b } = await mesh();
  const saw = await a.append(
    [{ type: "pref.set", key: "k", value: "1", observed: [{ author: b.key, seq: 3 }] }],
    T + 10,
  );
  const before = await replica(f, [[...f.log, ...a.log, ...b.log]]);
  assert.deepEqual(before.member(a.key)?.witnessed, { [b.key.hex]: 3 });
  const cp = await readCheckpoint(
    await makeCheckpoint(before, [], { mesh: "m", made: 0 }, f.signer),
  );
  assert.deepEqual(cp.state.member(a.key)?.witnessed, { [b.key.hex]: 3 });
  assert.equal(stateDigest(cp.state), stateDigest(before));

  // Later, a (stolen) removes b claiming to have seen none of it.
  const hostile = await a.append([{ type: "device.revoke", device: b.key, upTo: 0 }], T + 11);
  const holding = await replica(f, [[...f.log, ...a.log.slice(0, 2), ...b.log], [hostile]]);
  // Started from the checkpoint: a's entry that named b#3 is only in the base.
  const fromBase = new MemoryState();
  const later = [hostile];
  await rebuildState(fromBase, {
    authors: () => [a.key],
    read: (author, after, limit) =>
      later.filter((e) => e.entry.author === author && e.entry.seq > after).slice(0, limit),
  }, {
    reset() {
      fromBase.clear();
      mergeState(fromBase, cp.state);
    },
    events: revokeEvents(hostile.entry),
    trusted: new Set([f.key]),
  });
  assert.equal(holding.member(b.key)?.removed?.cut, 3);
  assert.equal(fromBase.member(b.key)?.removed?.cut, 3, "the base's witness counts");
  assert.ok(saw.entry.seq < hostile.entry.seq);
});

Deno.test("checkpoints: a witness out of order, naming a device twice, empty or at seq 0 is refused", async () => {
  const { f, a, b } = await mesh();
  const good = new MemoryState();
  good.putMember(a.key, { self: {}, witnessed: { [b.key.hex]: 3, [f.key.hex]: 1 } });
  const genuine = await makeCheckpoint(good, [], { mesh: "m", made: 0 }, f.signer);
  const cp = await readCheckpoint(genuine);
  assert.deepEqual(cp.state.member(a.key)?.witnessed, { [b.key.hex]: 3, [f.key.hex]: 1 });
  // The body's member row of a, its witness (5th field) replaced.
  const [body] = decodeCbor(genuine, "cp") as [Uint8Array, Uint8Array];
  const fields = decodeCbor(body, "body") as unknown[];
  const authors = (fields[5] as Uint8Array[]).map((k) => toHex(k));
  const ib = authors.indexOf(b.key.hex), jf = authors.indexOf(f.key.hex);
  const [lo, hi] = b.key.hex < f.key.hex ? [ib, jf] : [jf, ib];
  const members = fields[12] as unknown[][];
  const row = members.findIndex((m) => authors[m[0] as number] === a.key.hex);
  assert.deepEqual(members[row][4], [[lo, b.key.hex < f.key.hex ? 3 : 1], [
    hi,
    b.key.hex < f.key.hex ? 1 : 3,
  ]]);
  const cases: [string, unknown][] = [
    ["out of order", [[hi, 1], [lo, 1]]],
    ["a device twice", [[lo, 1], [lo, 2]]],
    ["empty", []],
    ["seq 0", [[lo, 0]]],
    ["an author index out of range", [[authors.length, 1]]],
  ];
  for (const [label, witness] of cases) {
    const g = structuredClone(fields);
    (g[12] as unknown[][])[row][4] = witness;
    const bytes = encodeCbor(g);
    const signed = encodeCbor([bytes, await f.signer.sign(concatBytes(CONTEXT, bytes))]);
    await assertRejectsMycel(() => readCheckpoint(signed), "bad_checkpoint", label);
  }
});
