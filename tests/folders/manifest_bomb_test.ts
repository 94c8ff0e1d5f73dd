/**
 * Attack (found by a review): a member publishes a file version whose
 * manifest tree claims a huge chunk count but is made of a few distinct
 * blobs (every leaf the same, every interior node the same), and serves
 * them. Every device that synced the folder read the whole list before any
 * other check, one array entry per claimed chunk: with 4096³ one-byte
 * chunks, "Fatal JavaScript out of memory" every round.
 *
 * Now a version may claim no more chunks than its size can be cut into
 * (every chunk but the last at least 64 B; tests/files/file_version_test.ts),
 * a file the disk can't hold is not read at all, nor one of more chunks than
 * a device takes on (MAX_RESOLVED_CHUNKS), and a repeated node is read once
 * (tests/files/manifest_resolve_test.ts).
 * Each case: the round ends quickly, the honest file still comes, the bad
 * one is reported.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { blake3Hex } from "../../src/files/chunk_hash.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import { encodeManifestNode } from "../../src/files/manifest_codec.ts";
import { MAX_FANOUT, MAX_LEAF_CHUNKS } from "../../src/log/chunk_list.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { put, rogueJoined, syncNow } from "./_helpers.ts";

/** A tree for `count` chunks (a multiple of 4096) of one repeated leaf of `chunk`-byte chunks. */
async function bombTree(count: number, chunk: number) {
  const blobs = new Map<string, Uint8Array>();
  const add = async (level: number, n: number, hash: string, length: number) => {
    const bytes = encodeManifestNode({
      level,
      entries: Array.from({ length: n }, () => ({ hash, length })),
    });
    const id = await blake3Hex(bytes);
    blobs.set(id, bytes);
    return id;
  };
  let id = await add(0, MAX_LEAF_CHUNKS, "ab".repeat(32), chunk);
  let nodes = count / MAX_LEAF_CHUNKS, under = MAX_LEAF_CHUNKS * chunk;
  for (let level = 1; nodes > 1; level++) {
    const n = Math.min(nodes, MAX_FANOUT);
    id = await add(level, n, id, under);
    under *= n;
    nodes = Math.ceil(nodes / MAX_FANOUT);
  }
  return { root: id, blobs };
}

async function publish(home: string, path: string, count: number, chunk: number) {
  const { root, blobs } = await bombTree(count, chunk);
  const h = await Home.open(home, { write: true });
  try {
    await h.write(async (w) => {
      for (const [id, b] of blobs) w.folderLocal.putBlob(id, b);
      const self = h.device.id;
      const version = {
        kind: "file",
        path,
        mtime: Date.now(),
        modifiedBy: self,
        vv: new Map([[self, 1]]),
        size: count * chunk,
        exec: false,
        chunks: { manifest: root, count },
      } as FileVersion;
      await w.commit([{ type: "file.version", folder: "docs", version }]);
    });
  } finally {
    h.close();
  }
  return root;
}

async function bombed(
  count: number,
  chunk: number,
  reason: RegExp,
  after?: (home: string, root: string) => Promise<void>,
) {
  const { devs, a, rogue, ra, rr } = await rogueJoined();
  await using _devs = devs;
  const root = await publish(rogue.home, "bomb.bin", count, chunk);
  await put(rr, "ok.txt", "fine\n"); // published by the rogue's next scan: honest content still comes
  await rogue.serve();
  await syncNow(rogue);

  const started = Date.now();
  const r = await a.run(["sync", "now", "--timeout", "10"], {
    timeoutMs: 120_000,
    env: { DENO_V8_FLAGS: "--max-old-space-size=512" },
  });
  const took = Date.now() - started;
  if (Deno.env.get("BOMB_DEBUG")) console.log(took, r.code, r.stdout, r.stderr);
  assert.ok(!r.timedOut, "still running after 120 s");
  assert.doesNotMatch(r.stderr, /out of memory|internal error|heap/i);
  assert.ok(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  assert.ok(took < 30_000, `took ${took} ms`);
  assert.equal(await Deno.readTextFile(join(ra, "ok.txt")), "fine\n");
  assert.match(r.stdout + r.stderr, reason);
  await after?.(a.home, root);
}

Deno.test("a version claiming more than the disk holds is reported, its tree not read", async () => {
  // 4096³ chunks of 64 B: 4.4 TB, within what a version may claim.
  await bombed(
    MAX_LEAF_CHUNKS * MAX_FANOUT * MAX_FANOUT,
    64,
    /bomb\.bin.*disk holding the folder is full/,
    async (home, root) => {
      const h = await Home.open(home);
      try {
        assert.equal(h.folderLocal.blob(root), undefined, "the root was never fetched");
      } finally {
        h.close();
      }
    },
  );
});

Deno.test("a version of more chunks than a device takes on is reported, its tree not read", async () => {
  // 4096² × 4 chunks of 64 B: 4 GiB, room for it on the test's disk or not.
  await bombed(
    MAX_LEAF_CHUNKS * MAX_FANOUT * 4,
    64,
    /bomb\.bin.*(more chunks than a device takes on|disk holding the folder is full)/,
  );
});
