/**
 * Attack (found by a review): manifest blobs were stored in the home as soon
 * as their BLAKE3 matched, before they were decoded, and nothing ever left
 * the `blobs` table. A member published one entry of 200 versions (~150 B
 * each), each naming a different 190 KiB "manifest root" of random bytes,
 * and served them: every device that synced the folder kept 200 × 190 KiB
 * in its home for good (448 KB to 79.8 MB after one round).
 *
 * Now a fetched blob is stored only once it is the node its parent names
 * (folder_apply_lists.ts), at most ROUND_BLOBS a round, and after a round
 * that stored blobs those no current version names are deleted
 * (blob_sweep.ts): a replaced version's tree leaves the home. So does one
 * replaced by a version listing its chunks inline, at the folders' hourly
 * housekeeping (libfaketime moves the clock; CI installs it).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { blake3Hex } from "../../src/files/chunk_hash.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import { homePaths } from "../../src/storage/home.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { fakeClock, faketimeTest } from "../helpers/faketime.ts";
import { devices, put, rogueJoined, sharedFolder, syncNow, syncOk } from "./_helpers.ts";

const N = 200;
/** The replaced file's size (see its test). */
const SIZE = 16 << 20;

function dbBytes(home: string): number {
  let n = 0;
  for (const e of Deno.readDirSync(home)) {
    if (e.name.startsWith("mycel.db")) n += Deno.statSync(join(home, e.name)).size;
  }
  return n;
}

/** The ids of the manifest blobs in a home, read as a user's sqlite3 would. */
function blobIds(home: string): string[] {
  const db = new DatabaseSync(homePaths(home).db, { readOnly: true });
  try {
    const rows = db.prepare("SELECT lower(hex(hash)) AS id FROM blobs").all() as { id: string }[];
    return rows.map((r) => r.id).sort();
  } finally {
    db.close();
  }
}

Deno.test("junk manifest roots a member serves are not stored in the home", async () => {
  const { devs, a, rogue } = await rogueJoined((root) => put(root, "ok.txt", "fine\n"));
  await using _devs = devs;
  const h = await Home.open(rogue.home, { write: true });
  let entryBytes = 0;
  try {
    await h.write(async (w) => {
      const self = h.device.id;
      const ops = [];
      for (let i = 0; i < N; i++) {
        const junk = crypto.getRandomValues(new Uint8Array(65536));
        const big = new Uint8Array(190 * 1024);
        for (let o = 0; o < big.length; o += junk.length) {
          big.set(junk.subarray(0, Math.min(junk.length, big.length - o)), o);
        }
        big[0] = i & 0xff;
        big[1] = i >> 8;
        const id = await blake3Hex(big);
        w.folderLocal.putBlob(id, big);
        const version = {
          kind: "file",
          path: `g/${String(i).padStart(4, "0")}`,
          mtime: Date.now(),
          modifiedBy: self,
          vv: new Map([[self, 1]]),
          size: 9 * 64, // nine chunks of at least 64 B: a version a chunker could make
          exec: false,
          chunks: { manifest: id, count: 9 },
        } as FileVersion;
        ops.push({ type: "file.version" as const, folder: "docs", version });
      }
      const e = await w.commit(ops);
      entryBytes = e?.bytes.length ?? 0;
    });
  } finally {
    h.close();
  }
  await rogue.serve();
  await syncNow(rogue);
  const before = dbBytes(a.home);
  const r = await syncNow(a);
  await syncNow(a);
  const after = dbBytes(a.home);
  assert.ok(
    after - before < 10 * entryBytes,
    `a's home grew by ${after - before} B for an entry of ${entryBytes} B`,
  );
  assert.deepEqual(blobIds(a.home), [], "no junk blob kept");
  assert.match(r.stdout + r.stderr, /g\/0000/, "the bad versions are reported");
});

Deno.test("a replaced version's manifest blobs leave the home after the next fetch", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  // 16 MiB: more than 8 chunks whatever the content (chunks are at most 1 MiB),
  // so each version has a manifest tree. (3 MiB of random bytes was at times
  // cut into 8 chunks or fewer — an inline list, no tree, no sweep — and the
  // test failed in a full run.)
  await put(ra, "big.bin", pseudoRandomBytes(SIZE, 4001));
  await syncOk(a);
  await syncOk(b);
  const first = blobIds(b.home);
  assert.ok(first.length > 0, "b keeps the tree of the version it fetched");
  await put(ra, "big.bin", pseudoRandomBytes(SIZE, 4003));
  await syncOk(a);
  await syncOk(b);
  assert.deepEqual(
    (await Deno.readFile(join(rb, "big.bin"))).length,
    SIZE,
  );
  const second = blobIds(b.home);
  assert.ok(second.length > 0);
  assert.deepEqual(second.filter((h) => first.includes(h)), [], "the replaced tree is gone");
});

faketimeTest(
  "a tree no version names any more leaves the home at the hourly sweep, though no blob came",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    await put(ra, "big.bin", pseudoRandomBytes(SIZE, 4005));
    await syncOk(a);
    await syncOk(b);
    const trees = { a: blobIds(a.home), b: blobIds(b.home) };
    assert.ok(trees.a.length > 0 && trees.b.length > 0, "both keep the version's tree");
    // A few bytes: one chunk, listed inline. Nothing is fetched as a blob, so
    // no round stores one, and only the hourly sweep can take the old tree.
    await put(ra, "big.bin", "small now\n");
    await syncOk(a);
    await syncOk(b);
    assert.equal(await Deno.readTextFile(join(rb, "big.bin")), "small now\n");
    assert.deepEqual(blobIds(b.home), trees.b, "within the hour the old tree is still there");
    for (const [name, d] of [["a", a], ["b", b]] as const) {
      const r = await d.run(["sync", "now", "--timeout", "10"], fakeClock("+2h"));
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(blobIds(d.home), [], `${name}: the replaced tree is gone`);
    }
  },
);
