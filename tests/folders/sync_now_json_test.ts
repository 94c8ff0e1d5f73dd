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

interface FolderJson {
  id: string;
  state: string;
  published: number;
  applied: number;
  fetched_bytes: number;
  to_come: { files: number; bytes: number };
  unfetchable: { files: number; bytes: number };
  not_written: { path: string; reason: string }[];
  not_written_count: number;
  stopped: string | null;
  hint: string | null;
}

Deno.test("sync now --json --folders: an exit 3 for files still to come, or an exit 1 for a stopped folder, is explained per folder", async () => {
  await using devs = await devices(["a", "b"]);
  const b = devs.list[1];
  const [, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      // One chunk each: a budget of one byte lets one round take one of them.
      await put(root, "one.txt", "x".repeat(1499) + "\n");
      await put(root, "two.txt", "y".repeat(39_999) + "\n");
    },
  });
  // Before: the rows alone, all "synced", and exit 3 with nothing on why.
  const r = await b.run(["sync", "now", "--timeout", "10", "--json", "--folders"], {
    env: { MYCEL_FILE_BUDGET: "1" },
  });
  assert.equal(r.code, 3, r.stderr);
  const doc = JSON.parse(r.stdout) as { peers: Row[]; folders: FolderJson[] };
  assert.deepEqual(doc.peers.map((p) => [p.name, p.status]), [["a", "synced"]]);
  assert.equal(doc.folders.length, 1, r.stdout);
  const [f] = doc.folders;
  assert.equal(f.id, "docs");
  assert.equal(f.state, "partial");
  assert.equal(f.applied, 1, r.stdout);
  assert.equal(f.to_come.files, 1, r.stdout);
  assert.ok([1500, 40_000].includes(f.to_come.bytes), r.stdout);
  assert.equal(f.fetched_bytes, 41_500 - f.to_come.bytes, r.stdout);
  assert.deepEqual(
    [f.unfetchable, f.not_written, f.not_written_count, f.stopped, f.hint],
    [{ files: 0, bytes: 0 }, [], 0, null, null],
  );
  // Plain --json stays the array of peers, for scripts that read it so.
  const plain = await b.run(["sync", "now", "--timeout", "10", "--json"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(Array.isArray(JSON.parse(plain.stdout)), plain.stdout);
  // Nothing left: complete, and the text says so too with --folders.
  const done = await b.ok(["sync", "now", "--timeout", "10", "--json", "--folders"]);
  assert.equal(JSON.parse(done.stdout).folders[0].state, "complete");
  assert.match((await b.ok(["sync", "now", "--folders"])).stdout, /^folder docs: in sync$/m);

  // Stopped: the folder says why and what to do, beside the JSON error.
  await Deno.remove(join(rb, ".mycel-folder"));
  const s = await b.run(["sync", "now", "--timeout", "10", "--json", "--folders"]);
  assert.equal(s.code, 1, s.stderr);
  const stopped = (JSON.parse(s.stdout) as { folders: FolderJson[] }).folders[0];
  assert.equal(stopped.state, "stopped");
  assert.equal(stopped.stopped, "marker missing — disk not mounted, or the folder moved?");
  assert.match(stopped.hint ?? "", /mycel folder move docs NEWPATH/);
  assert.equal(JSON.parse(s.stderr.trim()).error.code, "folder_stopped");
});

Deno.test("sync now --json --folders with no round to run: {peers: [], folders: null}", async () => {
  await using devs = await devices(["a"]);
  const r = await devs.list[0].ok(["--no-sync", "sync", "now", "--json", "--folders"]);
  assert.deepEqual(JSON.parse(r.stdout), { peers: [], folders: null });
});

Deno.test("sync now says how many local changes its scan published, in the text and in --json --folders", async () => {
  await using devs = await devices(["a", "b"]);
  const a = devs.list[0];
  const [ra] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (const n of ["w", "x", "y", "z"]) await put(root, `${n}.txt`, `${n}\n`);
    },
  });
  // Before: a deletion made here went out with a round that said nothing of it.
  await Deno.remove(join(ra, "w.txt"));
  await put(ra, "x.txt", "edited\n");
  const r = await a.ok(["sync", "now", "--timeout", "10"]);
  assert.match(r.stdout, /^folder docs: 2 local changes published$/m, r.stdout);
  const idle = await a.ok(["sync", "now", "--timeout", "10"]);
  assert.doesNotMatch(idle.stdout, /published/, idle.stdout);
  await put(ra, "y.txt", "edited\n");
  const j = await a.ok(["sync", "now", "--timeout", "10", "--json", "--folders"]);
  const [f] = (JSON.parse(j.stdout) as { folders: FolderJson[] }).folders;
  assert.deepEqual([f.id, f.published, f.applied], ["docs", 1, 0], j.stdout);
});
