/**
 * @module checkpoint_test
 * Signed checkpoints and the state merge they feed:
 * - `makeCheckpoint` → `readCheckpoint` keeps the whole state (same digest
 *   after loading into a MemoryState), the mesh, signer, time and frontier;
 * - any flipped byte, another signer, or a bad signature: `bad_checkpoint`;
 * - decoding is bounded and strict: huge or fractional counts, bad author
 *   indexes, unknown keyspaces, invalid values — `bad_checkpoint`, never a
 *   crash — also for random mutations of the content;
 * - `mergeState`: merging two replicas gives the state the union of their
 *   entries folds to; it is commutative and idempotent; a device's own
 *   writes the checkpoint lacks survive; a narrowed cut is reported.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, toBase64, utf8 } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import {
  type FrontierHead,
  makeCheckpoint,
  MAX_AUTHORS,
  readCheckpoint,
} from "../../src/log/checkpoint.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import type { Signer } from "../../src/log/identity.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { MemoryLog } from "./memory_log.ts";
import { Sim, type SimOptions } from "./sim.ts";

const CONTEXT = utf8("mycel/checkpoint/v1\0");
const RICH: SimOptions = { members: 4, outsiders: 2, removals: true, hostile: true, legacy: true };
const NO_CUTS: SimOptions = {
  members: 3,
  outsiders: 2,
  removals: false,
  hostile: true,
  legacy: true,
};

/** The chain heads a replica covers. */
function frontierOf(r: MemoryLog): FrontierHead[] {
  return [...r.chains].map(([author, chain]) => ({
    author,
    seq: chain.length,
    hash: chain.at(-1)!.hash,
  }));
}

async function simAfter(seed: number, options: SimOptions, steps: number): Promise<Sim> {
  const sim = await Sim.create(seed, options);
  for (let i = 0; i < steps; i++) await sim.step();
  return sim;
}

/** A copy of `rows` as a MemoryState (through the checkpoint codec). */
async function copyOf(rows: MemoryState, signer: Signer): Promise<MemoryState> {
  const bytes = await makeCheckpoint(rows, [], { mesh: "m", made: 0 }, signer);
  return (await readCheckpoint(bytes)).state;
}

const sim = await simAfter(11, RICH, 120);
await sim.deliverAll();
const replica = sim.members[0].replica;
const signer = sim.members[0].dev.signer;
const META = { mesh: "home-mesh", made: 1_700_000_123_456 };
const genuine = await makeCheckpoint(replica, frontierOf(replica), META, signer);

// ---------------------------------------------------------------------------
// Round trip and signature

Deno.test("readCheckpoint(makeCheckpoint()) keeps the whole state, mesh, signer, time and frontier", async () => {
  const parts = [...replica.parked()].length * [...replica.floors()].length *
    replica.memberRows().filter(([, r]) => r.removed).length;
  assert.ok(parts > 0, "the sample state has parked dots, floors and removals");
  const cp = await readCheckpoint(genuine);
  assert.equal(stateDigest(cp.state), stateDigest(replica));
  assert.equal(cp.mesh, META.mesh);
  assert.equal(cp.made, META.made);
  assert.equal(cp.signer, sim.members[0].dev.key);
  assert.deepEqual(cp.frontier, frontierOf(replica));
  assert.equal(cp.bytes, genuine);
  // Loaded, it reads like the original.
  assert.deepEqual(cp.state.view.configs(), replica.view.configs());
  assert.deepEqual(cp.state.view.members(), replica.view.members());
});

Deno.test("readCheckpoint(): a checkpoint of the empty state round-trips", async () => {
  const empty = new MemoryState();
  const cp = await readCheckpoint(await makeCheckpoint(empty, [], META, signer));
  assert.equal(stateDigest(cp.state), stateDigest(empty));
  assert.deepEqual(cp.frontier, []);
});

Deno.test("readCheckpoint(): any flipped byte is refused with bad_checkpoint", async () => {
  const small = await makeCheckpoint(
    (await simAfter(12, { ...NO_CUTS, outsiders: 0 }, 8)).members[0].replica,
    [],
    META,
    signer,
  );
  assert.ok(small.length < 6000, `${small.length} bytes`);
  for (let i = 0; i < small.length; i++) {
    const bad = small.slice();
    bad[i] ^= i % 2 ? 0x01 : 0x80;
    await assertRejectsMycel(() => readCheckpoint(bad), "bad_checkpoint", `byte ${i}`);
  }
});

Deno.test("readCheckpoint(): truncated, padded or non-CBOR bytes are refused with bad_checkpoint", async () => {
  for (
    const [label, bytes] of [
      ["empty", new Uint8Array()],
      ["truncated", genuine.subarray(0, genuine.length - 1)],
      ["padded", concatBytes(genuine, new Uint8Array([0]))],
      ["not CBOR", new Uint8Array([0xff, 0xff])],
      ["a number", encodeCbor(5)],
      ["three items", encodeCbor([new Uint8Array(1), new Uint8Array(64), 1])],
      ["signature 63 bytes", encodeCbor([new Uint8Array(1), new Uint8Array(63)])],
    ] as const
  ) {
    await assertRejectsMycel(() => readCheckpoint(bytes), "bad_checkpoint", label);
  }
});

/** The body fields of the genuine checkpoint, for tweaking one at a time. */
function fields(): unknown[] {
  const [body] = decodeCbor(genuine, "cp") as [Uint8Array, Uint8Array];
  return decodeCbor(body, "body") as unknown[];
}

/** `f` encoded as a body and signed by `by`. */
async function signed(f: unknown[], by: Signer = signer): Promise<Uint8Array> {
  const body = encodeCbor(f);
  return encodeCbor([body, await by.sign(concatBytes(CONTEXT, body))]);
}

Deno.test("readCheckpoint(): a body naming another signer than the one who signed is refused", async () => {
  const f = fields();
  f[3] = sim.members[1].dev.key.bytes;
  const e = await assertRejectsMycel(async () => readCheckpoint(await signed(f)), "bad_checkpoint");
  assert.match(e.message, /signature/);
  // Re-signed by the signer it names, it is fine.
  const cp = await readCheckpoint(await signed(f, sim.members[1].dev.signer));
  assert.equal(cp.signer, sim.members[1].dev.key);
});

Deno.test("readCheckpoint() signedBy: a bad signature is refused before the body is decoded, and the body must name that signer", async () => {
  const key = sim.members[0].dev.key, other = sim.members[1].dev.signer;
  const notCbor = new Uint8Array(300).fill(0xff);
  const unsigned = encodeCbor([notCbor, await other.sign(concatBytes(CONTEXT, notCbor))]);
  const e = await assertRejectsMycel(
    () => readCheckpoint(unsigned, { signedBy: key }),
    "bad_checkpoint",
  );
  assert.match(e.message, /its signature does not verify/);
  // Without signedBy the signer is read from the body, which must be decoded first.
  const d = await assertRejectsMycel(() => readCheckpoint(unsigned), "bad_checkpoint");
  assert.match(d.message, /not valid CBOR/);
  const f = fields();
  f[3] = sim.members[1].dev.key.bytes;
  const n = await assertRejectsMycel(
    async () => readCheckpoint(await signed(f), { signedBy: key }),
    "bad_checkpoint",
  );
  assert.match(n.message, /it names another signer than the device that signed it/);
  assert.equal((await readCheckpoint(genuine, { signedBy: key })).signer, key);
});

Deno.test("readCheckpoint(): bounded and strict — every malformed field is bad_checkpoint", async () => {
  const f = fields();
  const versions = f[7] as unknown[][];
  const authors = f[5] as unknown[];
  const v0 = versions[0];
  const withVersion = (i: number, x: unknown) => {
    const g = fields();
    const v = [...v0];
    v[i] = x;
    g[7] = [v];
    return g;
  };
  const tweak = (i: number, x: unknown) => {
    const g = fields();
    g[i] = x;
    return g;
  };
  const cases: [string, unknown[]][] = [
    ["12 fields", f.slice(0, 12)],
    ["14 fields", [...f, 0]],
    ["another format", tweak(0, "mycel-state")],
    ["format version 2", tweak(1, 2)],
    ["mesh not text", tweak(2, 5)],
    ["made negative", tweak(4, -1)],
    ["made 2^53", tweak(4, 2 ** 53)],
    ["authors not a list", tweak(5, { 0: authors[0] })],
    ["an author 31 bytes", tweak(5, [new Uint8Array(31)])],
    ["too many authors", tweak(5, Array(MAX_AUTHORS + 1).fill(authors[0]))],
    ["author index out of range", withVersion(2, authors.length)],
    ["author index negative", withVersion(2, -1)],
    ["author index fractional", withVersion(2, 0.5)],
    ["author index text", withVersion(2, "0")],
    ["unknown keyspace", withVersion(0, 3)],
    ["key not text", withVersion(1, 7)],
    ["seq fractional", withVersion(3, 1.5)],
    ["seq beyond 2^53", withVersion(3, 2 ** 60)],
    ["wall negative", withVersion(4, -5)],
    ["counter huge", withVersion(5, 2 ** 64)],
    ["value with two items", withVersion(7, [1, 2])],
    ["value not a list", withVersion(7, 1)],
    ["version with 7 fields", tweak(7, [v0.slice(0, 7)])],
    ["frontier head hash 31 bytes", tweak(6, [[0, 1, new Uint8Array(31)]])],
    ["frontier head with 2 fields", tweak(6, [[0, 1]])],
    ["frontier seq text", tweak(6, [[0, "1", new Uint8Array(32)]])],
    ["seen row malformed", tweak(10, [[0]])],
    ["seen index out of range", tweak(10, [[authors.length, 1]])],
    ["parked unknown keyspace", tweak(8, [[9, "k", 0, 1]])],
    ["floor with 4 fields", tweak(9, [[0, "k", 1, 0]])],
    ["app name empty", tweak(11, [""])],
    ["app name with a control char", tweak(11, ["a\x1b"])],
    ["member with 3 fields", tweak(12, [[0, null, null]])],
    ["admission fields incomplete", tweak(12, [[0, [0, 1, 0, { n: "x" }], null, []]])],
    ["removal cut negative", tweak(12, [[0, null, [0, 1, 0, -1], []]])],
    ["self field with two fields", tweak(12, [[0, null, null, [[1, { n: "a", p: 1 }]]]])],
    ["self field unknown", tweak(12, [[0, null, null, [[1, { z: 1 }]]]])],
    ["nine self fields", tweak(12, [[0, null, null, Array(9).fill([1, { n: "a" }])]])],
  ];
  for (const space of [0, 1, 2]) {
    const tombstone = withVersion(0, space);
    (tombstone[7] as unknown[][])[0][1] = " spaced ";
    (tombstone[7] as unknown[][])[0][7] = [];
    cases.push([`bad key of a tombstone in keyspace ${space}`, tombstone]);
    cases.push([`bad parked key in keyspace ${space}`, tweak(8, [[space, "a\nb", 0, 1]])]);
    cases.push([`bad floor key in keyspace ${space}`, tweak(9, [[space, "", 1, 0, 0]])]);
    const g = withVersion(0, space);
    (g[7] as unknown[][])[0][7] = [space === 0 ? new Uint8Array(1) : 5];
    cases.push([`bad value for keyspace ${space}`, g]);
  }
  for (const [label, body] of cases) {
    await assertRejectsMycel(
      async () => readCheckpoint(await signed(body)),
      "bad_checkpoint",
      label,
    );
  }
});

Deno.test("readCheckpoint() fuzz: mutated content (signature skipped) gives a state or bad_checkpoint, never a crash", async () => {
  const [body] = decodeCbor(genuine, "cp") as [Uint8Array, Uint8Array];
  const sig = new Uint8Array(64);
  let decoded = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({ at: fc.nat(), value: fc.nat(255), insert: fc.boolean() }),
        { minLength: 1, maxLength: 3 },
      ),
      async (edits) => {
        let b = body;
        for (const e of edits) {
          const at = e.at % b.length;
          b = e.insert
            ? concatBytes(b.subarray(0, at), new Uint8Array([e.value]), b.subarray(at))
            : concatBytes(b.subarray(0, at), new Uint8Array([e.value]), b.subarray(at + 1));
        }
        try {
          const cp = await readCheckpoint(encodeCbor([b, sig]), { unsigned: true });
          decoded++;
          stateDigest(cp.state); // a decoded state is well-formed enough to digest
        } catch (e) {
          assert.ok(isMycelError(e, "bad_checkpoint"), `unexpected ${e}`);
        }
      },
    ),
    { seed: 81, numRuns: 3000 },
  );
  assert.ok(decoded > 50, `only ${decoded} mutants decoded`);
});

// ---------------------------------------------------------------------------
// mergeState

/** A fresh replica that folded the union of the entries `replicas` hold (members first). */
async function unionOf(s: Sim, replicas: MemoryLog[]): Promise<MemoryLog> {
  const byHash = new Map<string, SignedEntry>();
  for (const r of replicas) for (const e of r.chained()) byHash.set(toBase64(e.hash), e);
  const all = [...byHash.values()];
  const union = new MemoryLog(replicas[0].trusted);
  await union.receive(all.filter((e) => s.isMember(e.entry.author)).map((e) => e.bytes));
  await union.receive(all.filter((e) => !s.isMember(e.entry.author)).map((e) => e.bytes));
  return union;
}

Deno.test("mergeState(): merging B into A gives the state the union of their entries folds to", async () => {
  for (let seed = 20; seed < 45; seed++) {
    const s = await simAfter(seed, NO_CUTS, 50);
    const [a, b] = [s.members[1].replica, s.members[2].replica];
    const into = await copyOf(a, signer);
    const r = mergeState(into, b);
    assert.equal(r.cutNarrowed, false);
    assert.equal(stateDigest(into), stateDigest(await unionOf(s, [a, b])), `seed ${seed}`);
  }
});

Deno.test("mergeState() is commutative and idempotent", async () => {
  for (let seed = 50; seed < 70; seed++) {
    const s = await simAfter(seed, NO_CUTS, 40);
    const [a, b] = [s.members[0].replica, s.members[1].replica];
    const ab = await copyOf(a, signer);
    mergeState(ab, b);
    const ba = await copyOf(b, signer);
    mergeState(ba, a);
    assert.equal(stateDigest(ab), stateDigest(ba), `seed ${seed}: commutative`);
    const again = stateDigest(ab);
    mergeState(ab, b);
    mergeState(ab, a);
    assert.equal(stateDigest(ab), again, `seed ${seed}: idempotent`);
    const self = await copyOf(a, signer);
    mergeState(self, a);
    assert.equal(stateDigest(self), stateDigest(a), `seed ${seed}: merging a state into itself`);
  }
});

Deno.test("mergeState(): merging a checkpoint read from bytes equals merging the state itself", async () => {
  const s = await simAfter(71, NO_CUTS, 60);
  const [a, b] = [s.members[0].replica, s.members[1].replica];
  const direct = await copyOf(a, signer);
  mergeState(direct, b);
  const viaBytes = await copyOf(a, signer);
  const cp = await readCheckpoint(await makeCheckpoint(b, frontierOf(b), META, signer));
  mergeState(viaBytes, cp.state);
  assert.equal(stateDigest(viaBytes), stateDigest(direct));
});

Deno.test("mergeState(): a device's own writes the checkpoint lacks survive, and removed versions stay removed", async () => {
  const s = await simAfter(72, { ...NO_CUTS, outsiders: 0 }, 10);
  await s.deliverAll();
  const [d, e] = s.members;
  const key = "merge.own";
  await e.write([{ type: "config.set", key, value: "from-e", observed: [] }], s.now);
  await d.take(e.dev.log.map((x) => x.bytes));
  const checkpoint = await copyOf(e.replica, e.dev.signer);
  // d writes after the checkpoint was made: replaces e's value, adds an app.
  await d.write([
    { type: "config.set", key, value: "from-d", observed: d.replica.view.observed("config", key) },
    { type: "app.add", name: "only-d" },
  ], s.now + 1);
  mergeState(d.replica, checkpoint);
  assert.equal(
    d.replica.view.config(key),
    "from-d",
    "e's version, which d's write replaced, stays removed",
  );
  assert.ok(d.replica.view.apps().includes("only-d"));
  assert.equal(d.replica.view.seen(d.dev.key), d.dev.log.length);
});

Deno.test("mergeState() reports a removal that cuts below entries this side folded", async () => {
  const s = await simAfter(73, { ...NO_CUTS, outsiders: 1 }, 0);
  const [f, m] = s.members;
  const o = s.outsiders[0];
  await f.write([{ type: "device.add", device: o.dev.record() }], s.now);
  await o.write([{ type: "app.add", name: "o2" }], s.now);
  await o.write([{ type: "app.add", name: "o3" }], s.now);
  await m.take([...f.dev.log, ...o.dev.log].map((e) => e.bytes));
  assert.equal(m.replica.view.seen(o.dev.key), 3);
  await f.write([{ type: "device.revoke", device: o.dev.key, upTo: 1 }], s.now);
  const r = mergeState(m.replica, await copyOf(f.replica, f.dev.signer));
  assert.equal(r.cutNarrowed, true);
  assert.equal(m.replica.member(o.dev.key)!.removed!.cut, 1);
});
