/**
 * `sync now --json` with folders (real processes, two devices): the rows
 * stay one per peer, and each says what the round's file phase fetched from
 * that peer (`files`: chunks, bytes, why it was dropped if it was); `null`
 * when no file phase ran here (no folder joined). Before, the rows were
 * printed before the file phase and told nothing of it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices } from "../sync/_helpers.ts";
import { folderOf, put, sharedFolder } from "./_helpers.ts";

interface Row {
  id: string;
  name: string;
  status: string;
  files: { chunks: number; bytes: number; dropped: string | null } | null;
}

Deno.test("sync now --json: each peer's row says what the file phase fetched from it", async () => {
  await using devs = await devices(["a", "b"]);
  const b = devs.list[1];
  await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "big.bin", pseudoRandomBytes(300_000, 7));
      await put(root, "note.txt", "hello");
    },
  });
  // b has just joined: its next round fetches both files from a.
  const r = await b.run(["sync", "now", "--timeout", "10", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0].name, "a");
  assert.equal(rows[0].status, "synced");
  assert.ok(rows[0].files !== null, r.stdout);
  assert.equal(rows[0].files.bytes, 300_005, r.stdout);
  assert.ok(rows[0].files.chunks >= 2, r.stdout);
  assert.equal(rows[0].files.dropped, null);
  // Nothing left to fetch: the next round's row says zeros, not null.
  const again = JSON.parse((await b.ok(["sync", "now", "--timeout", "10", "--json"])).stdout);
  assert.deepEqual(again[0].files, { chunks: 0, bytes: 0, dropped: null });
});

Deno.test("sync now --json: files is null on a device that syncs no folder", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  await put(folderOf(a), "x.txt", "x");
  await a.ok(["--no-sync", "folder", "add", folderOf(a), "--id", "docs"]);
  const rows = JSON.parse((await b.ok(["sync", "now", "--timeout", "10", "--json"])).stdout);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, "synced");
  assert.equal(rows[0].files, null);
});

Deno.test("sync now --json: files is null when every folder here is stopped (its marker gone)", async () => {
  await using devs = await devices(["a", "b"]);
  const b = devs.list[1];
  const [, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "x.txt", "x"),
  });
  await Deno.remove(join(rb, ".mycel-folder"));
  const r = await b.run(["sync", "now", "--timeout", "10", "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, "synced");
  assert.equal(rows[0].files, null, r.stdout);
});
