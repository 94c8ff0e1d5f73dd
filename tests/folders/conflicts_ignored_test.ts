/**
 * @module conflicts_ignored_test
 * `folder conflicts` on a device that ignores a conflicting path (real
 * processes): the conflict copy of such a path is never written there, so
 * the listing says it is ignored here instead of naming a copy the user
 * can't find (`ignored_here` in `--json`). Before, a device whose
 * `.mycel/ignore` named `*.log` listed `g.sync-conflict-….log: conflict
 * copy` with no such file on its disk.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, listTree, put, rounds, sharedFolder } from "./_helpers.ts";

Deno.test("folder conflicts says which conflict copies this device ignores, and so does not have", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs);
  await put(ra, "f.txt", "v1\n");
  await put(ra, "g.log", "g1\n");
  await rounds([a, b, c], 1);
  await put(rc, ".mycel/ignore", "*.log\n");
  // Apart from each other, a and b edit both files; b's edits are newer.
  await put(ra, "f.txt", "a's edit\n");
  await put(ra, "g.log", "a's g\n");
  await put(rb, "f.txt", "b's edit\n");
  await put(rb, "g.log", "b's g\n");
  const later = new Date(Date.now() + 60_000);
  for (const p of ["f.txt", "g.log"]) await Deno.utime(join(rb, p), later, later);
  await a.ok(["--no-sync", "folder", "scan"]);
  await b.ok(["--no-sync", "folder", "scan"]);
  await rounds([a, b, c], 3);

  const onC = await listTree(rc);
  const fCopy = onC.find((p) => p.startsWith("f.sync-conflict-"));
  assert.ok(fCopy !== undefined, onC.join(", "));
  assert.ok(!onC.some((p) => p.startsWith("g.sync-conflict-")), "c ignores *.log");
  const gCopy = (await listTree(ra)).find((p) => p.startsWith("g.sync-conflict-"));
  assert.ok(gCopy !== undefined);

  // Each copy says what it holds: a's losing edit of the file, and when a made it.
  const when = (copy: string) =>
    copy.replace(
      /^.*-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)-.*$/,
      "$1-$2-$3 $4:$5:$6",
    );
  const text = await c.ok(["--no-sync", "folder", "conflicts"]);
  assert.equal(
    text.stdout,
    `docs: ${fCopy}: conflict copy of f.txt, a's version of ${when(fCopy)} UTC\n` +
      `docs: ${gCopy}: conflict copy of g.log, a's version of ${when(gCopy)} UTC, ` +
      `ignored here (not on this device)\n`,
  );
  assert.match(text.stderr, /To keep a copy's content, move it over the file/);
  const [json] = await c.tmp.json<
    { copies: string[]; ignored_here?: string[]; copy_details?: Record<string, string>[] }[]
  >(
    ["--no-sync", "folder", "conflicts", "--json"],
  );
  assert.deepEqual(json.copies, [fCopy, gCopy]);
  assert.deepEqual(json.ignored_here, [gCopy]);
  assert.deepEqual(json.copy_details?.[0], {
    path: fCopy,
    of: "f.txt",
    device: a.id.slice(0, 7),
    device_name: "a",
    modified: when(fCopy).replace(" ", "T") + "Z",
  });
  // Where nothing is ignored, the key is absent, as the other lists are.
  const [onA] = await a.tmp.json<Record<string, unknown>[]>(
    ["--no-sync", "folder", "conflicts", "--json"],
  );
  assert.equal("ignored_here" in onA, false);
});

Deno.test("folder status: a conflict of a path this device ignores is not counted as its own", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs);
  await put(ra, "g.log", "g1\n");
  await rounds([a, b, c], 1);
  await put(rc, ".mycel/ignore", "*.log\n");
  await put(ra, "g.log", "a's g\n");
  await put(rb, "g.log", "b's g\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await b.ok(["--no-sync", "folder", "scan"]);
  // Only c runs rounds: it holds both versions, and ending the conflict is a's or b's to do.
  await rounds([c], 2);
  type Standing = { self: boolean; conflicts: number };
  const [st] = await c.tmp.json<{ conflicts: number; devices: Standing[] }[]>(
    ["--no-sync", "folder", "status", "--json"],
  );
  assert.equal(st.conflicts, 1, "the folder still has the conflict");
  assert.equal(st.devices.find((d) => d.self)!.conflicts, 0, "not c's own: it ignores g.log");
});
