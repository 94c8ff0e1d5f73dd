/**
 * The file count of the progress line (`sync now` on a terminal, "k/N
 * files") reaches its total once every file has arrived: it counts the files
 * the file phase writes and the removals done before it (a file that became
 * a folder), not the links, adoptions and removals that follow that phase
 * with no line — counted, they left the line short of its total however the
 * fetch went. The state comes from a real round: a copies `one/` to `two/`,
 * adds a link, deletes `gone/`, touches a file and turns one into a folder,
 * and hands b those versions; then b's apply runs here, in this process, to
 * see every progress report.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Home } from "../../src/storage/home_handle.ts";
import { applyFolder } from "../../src/sync/folder_apply.ts";
import { devices, put, sharedFolder, syncOk } from "./_helpers.ts";

Deno.test("the progress line's file count reaches its total when every file arrived", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (let i = 0; i < 10; i++) await put(root, `one/f${i}.txt`, `file ${i}\n`);
      for (let i = 0; i < 3; i++) await put(root, `gone/g${i}.txt`, `gone ${i}\n`);
      await put(root, "touched.txt", "same content\n");
      await put(root, "kind", "a file, then a folder\n");
    },
  });
  await syncOk(b);
  // On a: 10 copies (written on b from its own chunks), a link, 3 removals, an
  // adoption, and a file that became a folder (removed before the files are written).
  for (let i = 0; i < 10; i++) await put(ra, `two/f${i}.txt`, `file ${i}\n`);
  await Deno.remove(join(ra, "kind"));
  await put(ra, "kind/f1.txt", "file 1\n");
  await Deno.symlink("one/f0.txt", join(ra, "link"));
  await Deno.remove(join(ra, "gone"), { recursive: true });
  await Deno.utime(join(ra, "touched.txt"), 1_600_000_000, 1_600_000_000);
  await syncOk(a); // b's server takes a's new versions; only b's own round applies them
  await devs.stopServers();

  using home = await Home.open(b.home, { write: true });
  const seen: { files: number; totalFiles: number }[] = [];
  const report = await applyFolder(home, home.folderLocal.folder("docs")!, {
    peers: () => Promise.resolve([]),
    readTimeoutMs: 10_000,
    progress: ({ files, totalFiles }) => seen.push({ files, totalFiles }),
  });
  assert.deepEqual(report.problems, []);
  assert.equal(report.done, 11 + 1 + 4 + 1, "files, link, removals and adoption were applied");
  // The 11 files written, and the removal done before them.
  assert.deepEqual(seen.at(-1), { files: 12, totalFiles: 12 });
  assert.ok(seen.every((p) => p.totalFiles === 12), JSON.stringify(seen));
});
