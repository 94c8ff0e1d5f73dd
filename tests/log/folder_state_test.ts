/**
 * The folder state CRDT (src/log/folder_state.ts) on signed entries: any
 * delivery order gives the same state; a version dominated by another's
 * vector is gone, concurrent ones stay side by side; a version claiming
 * another maker is void; a checkpoint carries the folder state and its merge
 * equals folding the union; the state digest covers every part; the op
 * codecs are strict (a `..` path is refused).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeCbor } from "../../src/log/cbor.ts";
import { makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import type { Op } from "../../src/log/ops.ts";
import { decodeOp } from "../../src/log/ops.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { foldEveryOrder, foldInOrder } from "./fold_orders.ts";
import { type TestDevice, testDevices } from "./helpers.ts";

const HASH = "ab".repeat(32);

function file(d: TestDevice, path: string, vv: [TestDevice, number][], size = 5): FileVersion {
  return {
    kind: "file",
    path,
    mtime: 1_700_000_000_000 + size,
    modifiedBy: d.id,
    vv: new Map(vv.map(([x, n]) => [x.id, n])),
    size,
    exec: false,
    chunks: { inline: [{ hash: HASH, length: size }] },
  };
}

const fv = (version: FileVersion): Op => ({ type: "file.version", folder: "docs", version });

function paths(s: MemoryState): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [path, list] of s.folders().paths("docs")) {
    out[path] = list.map((v) => v.seq).sort();
  }
  return out;
}

Deno.test("folder ops fold to one state in every delivery order", async () => {
  const [a, b, c] = await testDevices(3);
  const entries = [
    await a.append([{ type: "folder.share", folder: "docs", name: "Docs" }, {
      type: "folder.join",
      folder: "docs",
    }], 1),
    await a.append([fv(file(a, "x", [[a, 1]]))], 2),
    await b.append(
      [{ type: "folder.join", folder: "docs" }, fv(file(b, "x", [[a, 1], [b, 1]], 7))],
      3,
    ),
    await c.append([fv(file(c, "x", [[a, 1], [c, 1]], 9)), fv(file(c, "y", [[c, 1]]))], 4),
    await b.append([{ type: "folder.share", folder: "docs", name: "Other name" }], 5),
  ];
  const s = foldEveryOrder(entries);
  // a's version is dominated by both; b's and c's are concurrent and stay side by side.
  assert.deepEqual(Object.keys(paths(s)), ["x", "y"]);
  assert.equal(s.folders().versionsAt("docs", "x").length, 2);
  // The first share by stamp keeps its name.
  assert.equal(s.folders().share("docs")?.name, "Docs");
  assert.equal(s.folders().deviceRow("docs", b.key.hex)?.joined, true);
});

Deno.test("a version whose vector is below one already held is gone, whatever the order", async () => {
  const [a, b] = await testDevices(2);
  const newer = await b.append([fv(file(b, "x", [[a, 1], [b, 1]]))], 2);
  const older = await a.append([fv(file(a, "x", [[a, 1]]))], 1);
  const s = foldInOrder([newer, older]);
  assert.equal(s.folders().versionsAt("docs", "x").length, 1);
  assert.equal(s.folders().versionsAt("docs", "x")[0].author, b.key.hex);
});

Deno.test("a version made by another device than the entry's author is void", async () => {
  const [a, b] = await testDevices(2);
  const e = await a.append([fv(file(b, "x", [[b, 1]]))], 1);
  const s = foldInOrder([e]);
  assert.deepEqual(paths(s), {});
  // It still counts in the folder frontier (what a progress record is measured against).
  assert.equal(s.folders().frontier("docs").get(a.key.hex), 1);
});

Deno.test("join and leave are the device's own: the latest entry wins", async () => {
  const [a] = await testDevices(1);
  const e1 = await a.append([{ type: "folder.join", folder: "docs" }], 1);
  const e2 = await a.append([{ type: "folder.leave", folder: "docs" }], 2);
  assert.equal(foldEveryOrder([e1, e2]).folders().deviceRow("docs", a.key.hex)?.joined, false);
});

Deno.test("property: random file versions fold to the same digest in any order", async () => {
  const devs = await testDevices(3);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          who: fc.nat(2),
          path: fc.constantFrom("p", "q", "d/r"),
          counters: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)),
          size: fc.integer({ min: 1, max: 9 }),
          kind: fc.constantFrom("file", "deleted"),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      async (specs) => {
        const local = devs;
        const entries = [];
        for (const [i, sp] of specs.entries()) {
          const d = local[sp.who];
          const vv: [TestDevice, number][] = sp.counters.map((n, j) =>
            [local[j], n] as [TestDevice, number]
          )
            .filter(([, n]) => n > 0);
          const own = vv.find(([x]) => x === d);
          if (own === undefined) vv.push([d, 1]);
          const v = sp.kind === "file" ? file(d, sp.path, vv, sp.size) : {
            kind: "deleted" as const,
            path: sp.path,
            mtime: i,
            modifiedBy: d.id,
            vv: new Map(vv.map(([x, n]) => [x.id, n])),
          };
          entries.push(await d.append([fv(v)], i + 1));
        }
        foldEveryOrder(entries);
      },
    ),
    { seed: 41, numRuns: 25 },
  );
});

Deno.test("a checkpoint carries the folder state; merging it equals folding the union", async () => {
  const [a, b] = await testDevices(2);
  const ea = [
    await a.append([{ type: "folder.share", folder: "docs", name: "D" }, {
      type: "folder.join",
      folder: "docs",
    }], 1),
    await a.append([fv(file(a, "x", [[a, 1]]))], 2),
    await a.append([{
      type: "folder.progress",
      folder: "docs",
      progress: { needFiles: 1, needBytes: 5, conflicts: 0, stopped: "", frontier: [[a.key, 2]] },
    }], 3),
  ];
  const eb = [await b.append([fv(file(b, "x", [[b, 1]], 8)), fv(file(b, "y", [[b, 1]]))], 4)];
  const sa = foldInOrder(ea);
  const bytes = await makeCheckpoint(sa, [], { mesh: "m", made: 0 }, a.signer);
  const back = (await readCheckpoint(bytes)).state;
  assert.equal(stateDigest(back), stateDigest(sa));
  const merged = foldInOrder(eb);
  mergeState(merged, back);
  assert.equal(stateDigest(merged), stateDigest(foldInOrder([...ea, ...eb])));
  // No folder state: the 13-field checkpoint of old.
  const empty = await makeCheckpoint(new MemoryState(), [], { mesh: "m", made: 0 }, a.signer);
  assert.equal(stateDigest((await readCheckpoint(empty)).state), stateDigest(new MemoryState()));
});

Deno.test("the state digest changes with every part of the folder state", async () => {
  const [a] = await testDevices(1);
  const base = foldInOrder([]);
  const digests = new Set([stateDigest(base)]);
  const ops: Op[] = [
    { type: "folder.share", folder: "docs", name: "D" },
    { type: "folder.join", folder: "docs" },
    fv(file(a, "x", [[a, 1]])),
    {
      type: "folder.progress",
      folder: "docs",
      progress: { needFiles: 0, needBytes: 0, conflicts: 0, stopped: "", frontier: [] },
    },
  ];
  const entries = [];
  for (const [i, op] of ops.entries()) {
    entries.push(await a.append([op], i + 1));
    digests.add(stateDigest(foldInOrder(entries)));
  }
  assert.equal(digests.size, ops.length + 1);
});

Deno.test("decodeOp() refuses file versions with paths out of the folder or into mycel's own files", () => {
  const key = new Uint8Array(32).fill(3);
  const version = (path: string) =>
    encodeCbor([1, path, 0, 0, key, [key, 1], 5, false, [0, new Uint8Array(32).fill(7), 5]]);
  assert.equal(
    (decodeOp(["fv", "docs", version("a/b")]) as { version: FileVersion }).version.path,
    "a/b",
  );
  for (
    const bad of ["../x", "/etc/passwd", "a/../../x", ".mycel/versions/x", ".mycel-folder", "a\\b"]
  ) {
    assert.throws(() => decodeOp(["fv", "docs", version(bad)]), Error, bad);
  }
  for (const folder of ["", "../docs", "a b", "x".repeat(65)]) {
    assert.throws(() => decodeOp(["fj", folder]), /folder id/, folder);
  }
  assert.throws(() => decodeOp(["fp", "docs", 0, 0, 0, "\u001b[31m", []]), /control/);
});

Deno.test("decodeOp() puts an op it does not know down to a newer release", () => {
  for (const op of [["zz", "docs"], ["fzz", "docs"]]) {
    assert.throws(() => decodeOp(op), /unknown op .*newer mycel\? Update mycel on this device/);
  }
});
