/**
 * @module checkpoint_stepwise_test
 * A whole checkpoint made a step at a time (src/log/checkpoint_stepwise.ts)
 * is byte for byte the checkpoint made in one piece (`makeCheckpoint`) for
 * the same rows, frontier and meta, whatever the size of a step: random ops
 * from three devices folded (keyspaces, parked dots, floors, members, apps,
 * folders), heads with and without their signed entries. A state past a
 * checkpoint's bounds is refused the same way, and at the bounds (items,
 * 64 MiB) both are made or refused to the item and to the byte.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import { signBody } from "../../src/log/checkpoint_encode.ts";
import {
  CHECKPOINT_LIMITS,
  type FrontierHead,
  MAX_CHECKPOINT_BYTES,
} from "../../src/log/checkpoint_format.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { checkpointBodyStepwise } from "../../src/log/checkpoint_stepwise.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import type { Signer } from "../../src/log/identity.ts";
import type { Op } from "../../src/log/ops.ts";
import type { StateRows } from "../../src/log/state_rows.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { foldInOrder } from "./fold_orders.ts";
import { opArb, ownOps, type TestDevice, testDevices } from "./helpers.ts";

const META = { mesh: "mesh-1", made: 1_700_000_123_456 };

/** The stepwise checkpoint, and how many steps it took. */
async function stepwise(
  rows: StateRows,
  frontier: FrontierHead[],
  signer: Signer,
  breath?: number,
): Promise<{ bytes: Uint8Array; steps: number }> {
  const g = checkpointBodyStepwise(rows, frontier, META, signer.publicKey, breath);
  let steps = 0;
  let s = g.next();
  for (; !s.done; s = g.next()) steps++;
  return { bytes: await signBody(s.value, signer), steps };
}

function heads(entries: SignedEntry[], withProof: (i: number) => boolean): FrontierHead[] {
  const last = new Map<string, SignedEntry>();
  for (const e of entries) last.set(e.entry.author.hex, e);
  return [...last.values()].map((e, i) => ({
    author: e.entry.author,
    seq: e.entry.seq,
    hash: e.hash,
    ...(withProof(i) ? { proof: e.bytes } : {}),
  }));
}

function file(d: TestDevice, path: string, n: number): FileVersion {
  return {
    kind: "file",
    path,
    mtime: 1_700_000_000_000 + n,
    modifiedBy: d.id,
    vv: new Map([[d.id, n]]),
    size: n,
    exec: false,
    chunks: { inline: [{ hash: "ab".repeat(32), length: n }] },
  };
}

Deno.test("a checkpoint made a step at a time is the same bytes as one made in one piece, for random states and step sizes", async () => {
  const devices = await testDevices(3);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(2), fc.array(opArb, { minLength: 1, maxLength: 6 })), {
        maxLength: 12,
      }),
      fc.boolean(),
      fc.integer({ min: 1, max: 4096 }),
      async (writes, folders, breath) => {
        const entries: SignedEntry[] = [];
        let wall = 1_700_000_000_000;
        for (const [who, ops] of writes) {
          const own = ownOps(ops, devices[who].key);
          if (own.length > 0) entries.push(await devices[who].append(own, wall += 7));
        }
        if (folders) {
          const [a, b] = devices;
          const fv = (v: FileVersion): Op => ({ type: "file.version", folder: "docs", version: v });
          entries.push(
            await a.append([{ type: "folder.share", folder: "docs", name: "Docs" }, {
              type: "folder.join",
              folder: "docs",
            }, fv(file(a, "x", 3))], wall += 7),
            await b.append(
              [{ type: "folder.join", folder: "docs" }, fv(file(b, "y", 4))],
              wall += 7,
            ),
          );
        }
        const state = foldInOrder(entries);
        const frontier = heads(entries, (i) => i % 2 === 0);
        const whole = await makeCheckpoint(state, frontier, META, devices[0].signer);
        const made = await stepwise(state, frontier, devices[0].signer, breath);
        assert.deepEqual(made.bytes, whole);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("a checkpoint made a step at a time of a few thousand rows takes many steps and still reads back as the state", async () => {
  const [a, b] = await testDevices(2);
  const entries: SignedEntry[] = [];
  for (let e = 0; e < 40; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 50; i++) ops.push({ type: "pref.set", key: `k.${e}.${i}`, value: "v" + e });
    for (let i = 0; i < 5; i++) ops.push({ type: "pref.unset", key: `k.${e}.${i}` });
    entries.push(await (e % 2 ? a : b).append(ops, 1_700_000_000_000 + e));
  }
  const state = foldInOrder(entries);
  const frontier = heads(entries, () => true);
  const whole = await makeCheckpoint(state, frontier, META, a.signer);
  const made = await stepwise(state, frontier, a.signer, 1024);
  assert.ok(made.steps > 50, `${made.steps} steps`);
  assert.deepEqual(made.bytes, whole);
  assert.equal((await readCheckpoint(made.bytes)).frontier.length, 2);
});

Deno.test("a state past a checkpoint's item bound is refused checkpoint_too_large a step at a time too", async () => {
  const [a] = await testDevices(1);
  const state = new MemoryState();
  // Parked dots are 5 items each: past the bound with few bytes.
  const n = Math.ceil(CHECKPOINT_LIMITS.maxNodes / 5) + 1;
  for (let i = 0; i < n; i++) state.space("prefs").park(`k${i}`, { author: a.key.hex, seq: i + 1 });
  await assert.rejects(
    () => makeCheckpoint(state, [], META, a.signer),
    (e: Error) => (e as { code?: string }).code === "checkpoint_too_large",
  );
  await assert.rejects(
    () => stepwise(state, [], a.signer),
    (e: Error) => (e as { code?: string }).code === "checkpoint_too_large",
  );
});

/** Items in a checkpoint's body, as the encoder counts them (a map's key is one more). */
async function bodyItems(rows: StateRows, signer: Signer): Promise<number> {
  const signed = decodeCbor(await makeCheckpoint(rows, [], META, signer), "checkpoint");
  const count = (x: unknown): number =>
    Array.isArray(x)
      ? x.reduce((n: number, y) => n + count(y), 1)
      : x !== null && typeof x === "object" && !(x instanceof Uint8Array)
      ? Object.values(x).reduce((n: number, y) => n + 1 + count(y), 1)
      : 1;
  return count(decodeCbor((signed as Uint8Array[])[0], "body"));
}

/** `parked` parked dots, `unset` tombstones (5 and 9 items each) and `values` of one author. */
function rowsOf(author: string, parked: number, unset: number, values: string[] = []): MemoryState {
  const s = new MemoryState();
  const stamp = { wall: 1_700_000_000_000, counter: 0, node: "n" };
  for (let i = 0; i < parked; i++) s.space("prefs").park(`p${i}`, { author, seq: i + 1 });
  for (let i = 0; i < unset; i++) {
    s.space("config").put(`u${i}`, { dot: { author, seq: i + 1 }, stamp, value: undefined });
  }
  values.forEach((value, i) => {
    s.space("patterns").put(`v${String(i).padStart(6, "0")}`, {
      dot: { author, seq: i + 1 },
      stamp,
      value,
    });
  });
  return s;
}

/** Both makers' answers for `rows`: the same bytes, or both `checkpoint_too_large`. */
async function bothAgree(rows: StateRows, signer: Signer): Promise<"made" | "too large"> {
  const tooLarge = (e: unknown) => (e as { code?: string }).code === "checkpoint_too_large";
  encodeCbor(new Uint8Array((1 << 20) + 1)); // the encoder's buffer back to its first size
  const one = await makeCheckpoint(rows, [], META, signer).catch((e) => {
    if (!tooLarge(e)) throw e;
    return undefined;
  });
  const step = await stepwise(rows, [], signer).catch((e) => {
    if (!tooLarge(e)) throw e;
    return undefined;
  });
  assert.equal(step === undefined, one === undefined, "both refuse, or neither");
  if (one === undefined) return "too large";
  assert.deepEqual(step!.bytes, one);
  return "made";
}

Deno.test("at the item bound, a checkpoint made a step at a time is made and refused exactly where one made in one piece is", async () => {
  const [a] = await testDevices(1);
  const author = a.key.hex;
  const base = await bodyItems(rowsOf(author, 1, 0), a.signer) - 5;
  assert.equal(await bodyItems(rowsOf(author, 3, 2), a.signer), base + 3 * 5 + 2 * 9);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: -2, max: 2 }), async (off) => {
      // Exactly maxNodes + off items: parked dots, and 0-4 tombstones for the rest.
      const need = CHECKPOINT_LIMITS.maxNodes + off - base;
      const unset = (4 * need) % 5;
      const rows = rowsOf(author, (need - 9 * unset) / 5, unset);
      assert.equal(await bothAgree(rows, a.signer), off > 0 ? "too large" : "made");
    }),
    { numRuns: 3, examples: [[0], [1]] },
  );
});

Deno.test("at the 64 MiB bound, a checkpoint made a step at a time is made and refused exactly where one made in one piece is", async () => {
  const [a] = await testDevices(1);
  const author = a.key.hex;
  // Values of a kB, then one of about a MB (an entry holds 1 MiB at most)
  // whose length sets the signed checkpoint's size to the byte. The one-piece
  // encoder's buffer doubles to 64 MiB on the small rows, and a text near
  // its end made it reserve 3 bytes a character past the bound.
  const kB = "k".repeat(1000);
  const smalls = Array.from({ length: 64_300 }, () => kB);
  const sized = (last: number) => rowsOf(author, 0, 3, [...smalls, "z".repeat(last)]);
  const small = 70_000;
  const sizeAt = (await stepwise(sized(small), [], a.signer)).bytes.length;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: -2, max: 2 }), async (off) => {
      const last = small + MAX_CHECKPOINT_BYTES + off - sizeAt;
      assert.ok(last > 0xffff && last < 1 << 20, `${last}`);
      assert.equal(await bothAgree(sized(last), a.signer), off > 0 ? "too large" : "made");
    }),
    { numRuns: 3, examples: [[0], [1]] },
  );
});
