/**
 * @module ignore_lifted_test
 * A round that brings a change of the `.mycelignore` applies the folder under
 * the rules it brought: a file another device stopped ignoring, or one a rule
 * removed elsewhere no longer keeps out, arrives in that same round. Before,
 * the round planned under the rules it started with: the file came one round
 * later, while the round said the folder complete, `sync now --json
 * --folders` said `complete`, and the device's report to the others said it
 * was in sync. Real processes.
 */

import assert from "node:assert/strict";
import { devices, put, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";

Deno.test("a file no longer ignored once the round's .mycelignore removal is applied arrives in that same round", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, ".mycelignore", "*.tmp\n");
      await put(root, "keep.txt", "keep\n");
    },
  });
  await syncOk(b);
  assert.equal(await text(rb, ".mycelignore"), "*.tmp\n");

  // a stops ignoring *.tmp: its scan publishes the removal and the file it kept out.
  await put(ra, "z.tmp", "now synced\n");
  await Deno.remove(`${ra}/.mycelignore`);
  await syncOk(a);

  const r = await syncNow(b, ["--json", "--folders"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await text(rb, ".mycelignore"), undefined);
  assert.equal(await text(rb, "z.tmp"), "now synced\n", "in the round that removed the rule");
  const doc = JSON.parse(r.stdout) as { folders: { state: string; applied: number }[] };
  assert.deepEqual(
    doc.folders.map((f) => [f.state, f.applied]),
    [["complete", 2]],
    r.stdout,
  );
  const [st] = await b.tmp.json<{ devices: { self: boolean; state: string }[] }[]>(
    ["--no-sync", "folder", "status", "--json"],
  );
  assert.equal(st.devices.find((d) => d.self)?.state, "in_sync");
});
