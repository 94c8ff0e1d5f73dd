/**
 * A special file (a FIFO, a socket, a device) that this device's user put
 * where a synced file was: the scan leaves it alone (never published, never
 * deleted), and so does the round. A new version from another device is
 * said as blocked by it, nothing is fetched for it, and it arrives once the
 * special file is moved away; a deletion from another device is done (the
 * file it deleted is gone here already) and leaves the special file alone.
 * Before, both were taken for local edits: every round fetched the new
 * version and threw it away, said "it changed on this device meanwhile
 * (kept; it will sync as a conflict)" and "(kept, not deleted; the edit
 * wins)" — neither ever happened — and exited 3 for ever.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { put, sharedFolder, syncNow, syncOk, text, treeHash } from "./_helpers.ts";
import { devices } from "./_helpers.ts";

async function mkfifo(path: string): Promise<void> {
  const r = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.equal(r.code, 0, "mkfifo");
}

interface StatusJson {
  devices: { self: boolean; behind_files: number }[];
  not_written: { path: string; reason: string }[];
}

Deno.test("a FIFO put where a synced file was blocks that file's new version, fetching nothing, and a deletion leaves it alone", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (r) => {
      for (let i = 0; i < 4; i++) await put(r, `keep${i}.txt`, `k ${i}\n`);
      await put(r, "edit-me.txt", "v1\n");
      await put(r, "delete-me.txt", "d1\n");
    },
  });
  await syncOk(b);
  for (const name of ["edit-me.txt", "delete-me.txt"]) {
    await Deno.remove(join(rb, name));
    await mkfifo(join(rb, name));
  }
  await put(ra, "edit-me.txt", "v2 from a, a longer file\n");
  await Deno.remove(join(ra, "delete-me.txt"));
  await syncOk(a);

  for (let i = 0; i < 2; i++) {
    const r = await syncNow(b);
    const shown = describe(["sync", "now"], r);
    assert.equal(r.code, 3, shown); // edit-me.txt is still to come
    assert.doesNotMatch(r.stdout + r.stderr, /fetched/, shown);
    assert.doesNotMatch(r.stdout + r.stderr, /sync as a conflict|the edit wins/, shown);
    const [st] = await b.tmp.json<StatusJson[]>(["--no-sync", "folder", "status", "--json"]);
    assert.deepEqual(st.not_written.map((p) => p.path), ["edit-me.txt"], JSON.stringify(st));
    assert.match(st.not_written[0].reason, /a special file \(FIFO\) is in the way here/);
    assert.equal(st.devices.find((d) => d.self)!.behind_files, 1, JSON.stringify(st));
  }
  for (const name of ["edit-me.txt", "delete-me.txt"]) {
    assert.ok((await Deno.lstat(join(rb, name))).isFifo, `${name} is still b's FIFO`);
  }

  // Moved away, the FIFO no longer blocks: the new version arrives.
  await Deno.rename(join(rb, "edit-me.txt"), join(b.tmp.path("."), "fifo-moved"));
  await Deno.remove(join(rb, "delete-me.txt"));
  await syncOk(b);
  assert.equal(await text(rb, "edit-me.txt"), "v2 from a, a longer file\n");
  await syncOk(a);
  assert.equal(await treeHash(rb), await treeHash(ra));
});
