/**
 * A file edited on two devices at once: the round that keeps both versions
 * (writes the conflict copy) says so, once, naming the copy and
 * `folder conflicts`; `sync now --json --folders` lists it under
 * `conflict_copies`. Before, nothing in `sync now`'s output said a copy was
 * made: the user learned of it from `folder status` or by finding the file
 * (found walking through folders as a user, H123). Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Device, devices, put, sharedFolder, syncNow } from "./_helpers.ts";

const COPY = /plan\.sync-conflict-\d{8}-\d{6}-[A-Z2-7]{7}\.txt/;

/** a and b each edit `name` while apart; b's edit is the newer. */
async function editBoth(a: Device, b: Device, ra: string, rb: string, name: string) {
  await put(ra, name, "a's edit\n");
  await put(rb, name, "b's edit, longer\n");
  await Deno.utime(join(rb, name), new Date(), new Date(Date.now() + 60_000));
  await a.ok(["--no-sync", "folder", "scan"]);
  await b.ok(["--no-sync", "folder", "scan"]);
}

Deno.test("sync now says once that it kept both versions of a file edited on two devices, naming the copy and folder conflicts; --json lists it in conflict_copies", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "plan.txt", "v1\n");
      await put(root, "todo.txt", "v1\n");
    },
  });
  for (const d of [b, a]) assert.equal((await syncNow(d)).code, 0);

  await editBoth(a, b, ra, rb, "plan.txt");
  let said = "";
  for (let i = 0; i < 3; i++) {
    for (const d of [a, b]) {
      const r = await syncNow(d);
      assert.equal(r.code, 0, r.stderr);
      said += r.stderr;
    }
  }
  const lines = said.split("\n").filter((l) => l.includes("kept both versions"));
  assert.equal(lines.length, 1, `said once: ${said}`);
  assert.match(
    lines[0],
    new RegExp(
      `^folder docs: kept both versions of 1 file edited on two devices at once: ${COPY.source}$`,
    ),
  );
  assert.match(said, /^ {2}see `mycel folder conflicts docs` to keep one$/m);

  // The same through --json --folders, for another file.
  await editBoth(a, b, ra, rb, "todo.txt");
  const listed: string[] = [];
  for (let i = 0; i < 3; i++) {
    for (const d of [a, b]) {
      const r = await syncNow(d, ["--json", "--folders"]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { folders: { conflict_copies: string[] }[] };
      for (const f of doc.folders) listed.push(...f.conflict_copies);
    }
  }
  assert.equal(listed.length, 1, `listed once: ${listed}`);
  assert.match(listed[0], /^todo\.sync-conflict-\d{8}-\d{6}-[A-Z2-7]{7}\.txt$/);
});
