/**
 * @module checkpoint_parts_test
 * A checkpoint in parts (src/log/checkpoint_parts.ts), for a state larger
 * than one checkpoint may be: the signed head and its parts, taken one at a
 * time, give the whole state (same digest); and every way a part can fail
 * its head is a named `bad_checkpoint` before the part is decoded: a part
 * that doesn't match its head, parts out of order, missing or extra, and a
 * head declaring sizes no receiver takes (or not signed by its signer).
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import type { FrontierHead } from "../../src/log/checkpoint.ts";
import {
  cutPartsStepwise,
  makePartedCheckpoint,
  MAX_PARTS,
  PARTS_CONTEXT,
  signCutParts,
} from "../../src/log/checkpoint_parts.ts";
import { isPartedHead, PartReader, readPartedHead } from "../../src/log/checkpoint_parts_decode.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { assertMycelError, assertRejectsMycel } from "../helpers/assert.ts";
import { MemoryLog } from "./memory_log.ts";
import { Sim } from "./sim.ts";

function frontierOf(r: MemoryLog): FrontierHead[] {
  return [...r.chains].map(([author, chain]) => ({
    author,
    seq: chain.length,
    hash: chain.at(-1)!.hash,
  }));
}

const sim = await Sim.create(7, {
  members: 4,
  outsiders: 1,
  removals: true,
  hostile: false,
  legacy: true,
});
for (let i = 0; i < 120; i++) await sim.step();
await sim.deliverAll();
const replica = sim.members[0].replica;
const signer = sim.members[0].dev.signer;
const META = { mesh: "home-mesh", made: 1_700_000_000_000 };
// Small parts, so a small state comes in many.
const parted = await makePartedCheckpoint(replica, frontierOf(replica), META, signer, 256);
const parts = [...parted.parts()];

/** `work` is refused as a bad checkpoint whose message matches `reason`. */
async function refused(work: () => unknown, reason?: RegExp): Promise<void> {
  const e = await assertRejectsMycel(work, "bad_checkpoint");
  if (reason) assert.match(e.message, reason);
}

/** Take `list` after `head` into a new state; returns it. */
async function takeAll(list: Uint8Array[], head = parted.head): Promise<MemoryState> {
  const h = await readPartedHead(head);
  const into = h.state;
  const r = new PartReader(h);
  for (const p of list) r.take(p, into);
  r.end();
  return into;
}

Deno.test("a checkpoint in parts, taken part by part, gives the whole state (same digest)", async () => {
  assert.ok(parts.length >= 4, `the sample state comes in several parts (${parts.length})`);
  assert.equal(parts.length, parted.count);
  assert.ok(isPartedHead(parted.head));
  const h = await readPartedHead(parted.head);
  assert.equal(h.mesh, META.mesh);
  assert.equal(h.signer.hex, signer.publicKey.length === 32 ? h.signer.hex : "");
  assert.equal(stateDigest(await takeAll(parts)), stateDigest(replica));
});

Deno.test("a cut in steps stops between parts and within them for its caller, and makes the same parts, whose head gives the whole state", async () => {
  const steps = cutPartsStepwise(replica, frontierOf(replica), 256, 64);
  const made: (Uint8Array | null)[] = [];
  let step = steps.next();
  for (; !step.done; step = steps.next()) made.push(step.value);
  const cutOnes = made.filter((p) => p !== null);
  assert.deepEqual(cutOnes, parts, "the parts makePartedCheckpoint makes");
  const stops = made.length - cutOnes.length;
  assert.ok(
    stops > parts.length,
    `it stops within parts too (${stops} stops, ${parts.length} parts)`,
  );
  const head = await signCutParts(step.value, META, signer);
  assert.equal(stateDigest(await takeAll(cutOnes, head)), stateDigest(replica));
});

Deno.test("a part that does not match its head is refused before it is decoded", async () => {
  const bad = parts[1].slice();
  bad[bad.length - 3] ^= 1;
  await refused(
    () => takeAll([parts[0], bad, ...parts.slice(2)]),
    /part 2 of \d+ does not match its head/,
  );
  // A part longer than declared is refused by its size alone.
  await refused(
    () => takeAll([parts[0], concatBytes(parts[1], new Uint8Array(1))]),
    /part 2 of \d+ has \d+ bytes, its head declares/,
  );
});

Deno.test("parts out of order, missing or extra are each refused by name", async () => {
  await refused(
    () => takeAll([parts[1], parts[0], ...parts.slice(2)]),
    /part 2 of \d+ came where part 1 was due \(out of order\)/,
  );
  await refused(
    () => takeAll(parts.slice(0, -1)),
    new RegExp(`a part is missing: its head declares ${parts.length}, ${parts.length - 1} came`),
  );
  await refused(
    () => takeAll([...parts, parts[0]]),
    /more parts came than its head declares/,
  );
});

/** The head re-signed by its signer with `declared` as its parts. */
async function headDeclaring(declared: unknown[]): Promise<Uint8Array> {
  const [body] = decodeCbor(parted.head, "head") as [Uint8Array, Uint8Array];
  const f = decodeCbor(body, "body") as unknown[];
  f[10] = declared;
  const nb = encodeCbor(f, { maxBytes: 64 << 20, maxNodes: 1 << 21 });
  return encodeCbor([nb, await signer.sign(concatBytes(PARTS_CONTEXT, nb))]);
}

Deno.test("a head declaring huge sizes or too many parts is refused before any part", async () => {
  const hash = new Uint8Array(32);
  await refused(
    async () => readPartedHead(await headDeclaring([[2 ** 40, hash]])),
    /its head declares a part of 1099511627776 bytes \(at most 67108864\)/,
  );
  await refused(
    async () =>
      readPartedHead(await headDeclaring(Array.from({ length: MAX_PARTS + 1 }, () => [1, hash]))),
    /its head declares 4097 parts/,
  );
  // A head that isn't its signer's: nothing after it is read.
  const forged = parted.head.slice();
  forged[40] ^= 1;
  await refused(() => readPartedHead(forged));
  // A reader never asks for more than the head declares.
  const r = new PartReader(await readPartedHead(parted.head));
  for (const p of parts) r.take(p, new MemoryState());
  const e = assertMycelError(() => r.due(), "bad_checkpoint");
  assert.match(e.message, /more parts came than its head declares/);
});
