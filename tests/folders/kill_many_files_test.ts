/**
 * kill -9 during a transfer that replaces many files, on either side: at
 * that moment every file holds its old content or its new one — never a
 * torn one, never a temporary file under its name; one killed inside its
 * swap is held whole beside its name, which is empty until the next
 * `sync now` puts it back (docs/folders.md, found by a full run) — and the
 * next round brings every one of them (what the killed process left under
 * `.mycel-tmp-*` waits for the sweep, docs/folders.md). resume_test.ts
 * proves it on one large file;
 * the issue asks "every file old or new", and files are finished 32 at a
 * time (a review of issue 13 found only the one-file case tested).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import {
  type Device,
  devices,
  listTree,
  put,
  sharedFolder,
  syncNow,
  syncOk,
  throttleUntil,
  treeHash,
} from "./_helpers.ts";

const N = 160;
const SIZE = 300_000;
/** The mtime every new version carries: how a replaced file is told cheaply (lstat). */
const NEW_TIME = new Date(Date.UTC(2030, 0, 1));

const oldBytes = (i: number) => pseudoRandomBytes(SIZE, 1001 + 2 * i);
const newBytes = (i: number) => pseudoRandomBytes(SIZE, 90001 + 2 * i);
const name = (i: number) => `f${String(i).padStart(3, "0")}.bin`;

/** Files of `root` already holding their new version (by mtime). */
function replaced(root: string): number {
  let n = 0;
  for (let i = 0; i < N; i++) {
    try {
      if (Deno.lstatSync(join(root, name(i))).mtime?.getTime() === NEW_TIME.getTime()) n++;
    } catch {
      // not there: not replaced
    }
  }
  return n;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}

/**
 * The content a kill inside a swap left in a hold folder beside the name
 * (the name is empty until the next round settles it: docs/folders.md).
 */
async function heldAside(root: string, i: number): Promise<Uint8Array | undefined> {
  for await (const e of Deno.readDir(root)) {
    if (!e.isDirectory || !e.name.startsWith(".mycel-tmp-hold-")) continue;
    for await (const f of Deno.readDir(join(root, e.name))) {
      const got = await Deno.readFile(join(root, e.name, f.name));
      if (same(got, oldBytes(i)) || same(got, newBytes(i))) return got;
    }
  }
  return undefined;
}

/**
 * Every file of `root` is wholly its old or its new content — at its name,
 * or, killed inside the swap, held aside whole beside it; how many are new.
 */
async function oldOrNew(root: string): Promise<{ fresh: number; held: number }> {
  let fresh = 0, held = 0;
  for (let i = 0; i < N; i++) {
    let got: Uint8Array;
    try {
      got = await Deno.readFile(join(root, name(i)));
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      const aside = await heldAside(root, i);
      assert.ok(aside !== undefined, `${name(i)} is gone, and held nowhere`);
      held++;
      continue;
    }
    const isNew = same(got, newBytes(i));
    const isOld = !isNew && same(got, oldBytes(i));
    assert.ok(isNew || isOld, `${name(i)} is torn (${got.length} bytes, neither old nor new)`);
    if (isNew) fresh++;
  }
  return { fresh, held };
}

/**
 * After the round that resumes: every file new, in one round. A hold the
 * kill left is settled by that round's scan at once (it holds the round
 * guard, so no live round is inside a swap): the file goes back to its
 * name, and the round then brings its new version. (Before, the hold
 * waited five minutes, STALE_HOLD_MS, and so did the name.)
 */
async function resumed(b: Device, ra: string, rb: string): Promise<void> {
  const r = await syncNow(b);
  const after = await oldOrNew(rb);
  assert.deepEqual(after, { fresh: N, held: 0 }, `${r.stdout}${r.stderr}`);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.equal(await treeHash(rb), await treeHash(ra));
}

async function twoWithOldFiles(devs: { list: Device[] }): Promise<string[]> {
  const roots = await sharedFolder(devs as Parameters<typeof sharedFolder>[0]);
  const [a, b] = devs.list;
  for (let i = 0; i < N; i++) await put(roots[0], name(i), oldBytes(i));
  await syncOk(a);
  await syncOk(b);
  assert.equal(await treeHash(roots[1]), await treeHash(roots[0]));
  // Every file replaced on a, published.
  for (let i = 0; i < N; i++) {
    await put(roots[0], name(i), newBytes(i));
    await Deno.utime(join(roots[0], name(i)), NEW_TIME, NEW_TIME);
  }
  await syncOk(a);
  return roots;
}

Deno.test("kill -9 of the fetching side while many files are replaced: each is old or new, then all arrive", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [ra, rb] = await twoWithOldFiles(devs);
  const p = b.tmp.spawn(["sync", "now", "--timeout", "30"], { timeoutMs: 120_000 });
  const t0 = Date.now();
  await throttleUntil(p.pid, () => replaced(rb) >= 8 || Date.now() - t0 > 60_000);
  Deno.kill(p.pid, "SIGKILL");
  await p.result();
  const { fresh, held } = await oldOrNew(rb);
  console.log(`killed with ${fresh} of ${N} files replaced, ${held} held aside`);
  assert.ok(fresh >= 8 && fresh < N, `killed mid-way: ${fresh} of ${N} replaced`);
  assert.deepEqual((await listTree(rb)).filter((p) => !p.startsWith("f")), []);
  await resumed(b, ra, rb);
});

Deno.test("kill -9 of the serving side while many files are replaced: each is old or new, then all arrive", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await twoWithOldFiles(devs);
  const p = b.tmp.spawn(["sync", "now", "--timeout", "5"], { timeoutMs: 120_000 });
  const t0 = Date.now();
  await throttleUntil(p.pid, () => replaced(rb) >= 8 || Date.now() - t0 > 60_000);
  await a.killServer();
  await p.result();
  const { fresh } = await oldOrNew(rb);
  console.log(`server killed with ${fresh} of ${N} files replaced`);
  assert.ok(fresh >= 8 && fresh < N, `killed mid-way: ${fresh} of ${N} replaced`);

  await a.serve();
  await resumed(b, ra, rb);
});
