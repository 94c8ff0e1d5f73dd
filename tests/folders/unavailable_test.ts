/**
 * @module unavailable_test
 * A file version whose maker left the mesh (retired: gone for good) before
 * any other device fetched its content, with real processes. Before, every
 * device waited for it for good: `sync now` ended "2 files still to come"
 * (exit 3) every round and the conflict it won never resolved. Now such a
 * version is left out (src/files/unavailable.ts): the older concurrent edit
 * wins, a path with no other version stays as it is, and the round says
 * why. A version a remaining device fetched before is still taken from it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, listTree, put, rounds, sharedFolder, syncNow, text } from "./_helpers.ts";
import type { Device } from "./_helpers.ts";

async function bodies(root: string): Promise<string[]> {
  return await Promise.all((await listTree(root)).map(async (p) => `${p}: ${await text(root, p)}`));
}

/** a and c edit p.txt at once (c's edit newer), c also makes new.txt; c offers its entries. */
async function concurrentEdits(ra: string, rc: string, c: Device): Promise<void> {
  await put(ra, "p.txt", "from a\n");
  await Deno.utime(join(ra, "p.txt"), new Date(), new Date(Date.now() - 60_000));
  await put(rc, "p.txt", "from c\n");
  await put(rc, "new.txt", "only on c\n");
  await c.ok(["--no-sync", "folder", "scan"]);
  await c.ok(["sync", "now", "--push"]); // entries go out; files are fetched in the peers' own rounds
}

Deno.test("a version only a retired device had is left out: nobody waits for it, the other edit wins, the round says why", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "p.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  await concurrentEdits(ra, rc, c);
  await c.stopServer();
  await a.ok(["--no-sync", "mesh", "retire", "c", "--yes"]);
  await rounds([a, b, a, b], 1);

  for (const d of [a, b]) {
    const r = await syncNow(d);
    assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stdout + r.stderr, /still to come/);
  }
  const want = ["p.txt: from a\n"];
  assert.deepEqual(await bodies(ra), want);
  assert.deepEqual(await bodies(rb), want);
  const status = await b.ok(["--no-sync", "folder", "status", "docs"]);
  assert.match(
    status.stdout + status.stderr,
    /new\.txt.*version c made can't be fetched: only c had it/s,
  );
  assert.match(status.stdout + status.stderr, /p\.txt.*can't be fetched/s);
  const conflicts = await b.ok(["--no-sync", "folder", "conflicts", "docs", "--json"]);
  assert.deepEqual(JSON.parse(conflicts.stdout)[0].unresolved, []);
});

Deno.test("a version a remaining device fetched before its maker was retired still reaches every device from it", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "p.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  await concurrentEdits(ra, rc, c);
  await rounds([b], 1); // b fetches c's files, and says so in its progress
  await c.stopServer();
  await a.ok(["--no-sync", "mesh", "retire", "c", "--yes"]);
  await rounds([a, b, a, b, a], 1);

  const got = await bodies(ra);
  assert.deepEqual(await bodies(rb), got);
  assert.ok(got.includes("p.txt: from c\n"), got.join(" | "));
  assert.ok(got.includes("new.txt: only on c\n"), got.join(" | "));
  assert.ok(got.some((l) => /^p\.sync-conflict-.*: from a\n$/.test(l)), got.join(" | "));
  const r = await syncNow(a);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
});
