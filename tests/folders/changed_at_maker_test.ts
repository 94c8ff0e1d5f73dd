/**
 * @module changed_at_maker_test
 * A file changed in place on the device that made it, before that device
 * scanned again: its published version can't be sent by anyone (the maker's
 * copy no longer matches it), but nothing is lost — the maker's next scan
 * publishes what it holds now. `sync now` elsewhere says that the maker no
 * longer has it and what ends the wait there, and does not tell this device
 * to run `folder override` (which would publish its older copy over the
 * maker's newer one). It can't tell this from a maker that lost the file
 * while the folder was left there (tests/folders/rejoin_test.ts), so it
 * names both. Files opened ahead of their chunks (folder_apply_temps.ts
 * `prepare`) whose chunks nobody could send leave no temporary file.
 */

import assert from "node:assert/strict";
import { devices, put, rounds, sharedFolder, syncNow, text } from "./_helpers.ts";

Deno.test("a file changed at its maker after it was published: sync now points at the maker, not at an override here", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "p.txt", "base\n"),
  });
  await rounds([b, a, b], 1);
  await put(ra, "p.txt", "published by a\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]); // b learns of the version; it fetches in its own round
  await put(ra, "p.txt", "changed again at a, not scanned yet\n");

  const r = await syncNow(b);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.ok(
    r.stderr.includes(
      "folder docs: 1 file (15 B) can't be fetched now: a, which made it, no longer has that " +
        "content\n  if a changed it since, a's next scan sends the new version; if a lost it, " +
        "`mycel folder override docs` on a ends the wait",
    ),
    r.stderr,
  );
  assert.doesNotMatch(r.stderr, /no device that syncs the folder has/);
  // Said once, as what can't be fetched now, not also as "still to come" (exit 0 above).
  assert.doesNotMatch(r.stdout, /still to come/);
  assert.equal(await text(rb, "p.txt"), "base\n"); // nothing written over

  // a's next round publishes what it holds; b's next one fetches it.
  await a.ok(["sync", "now"]);
  await syncNow(b);
  assert.equal(await text(rb, "p.txt"), "changed again at a, not scanned yet\n");
});

/**
 * One file a can still send, first in the fetch order, then five it can't
 * (changed at a, not scanned) under `dir`: the first one's chunk opens the
 * next files' temporary files ahead. `check` looks at b's folder after b's
 * round (before the devices go).
 */
async function sendableThenFive(dir: string, check: (rb: string) => Promise<void> | void) {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "keep.txt", "x\n"),
  });
  await rounds([b, a, b], 1);
  await put(ra, "a0.txt", "sendable\n");
  for (let i = 1; i <= 5; i++) await put(ra, `${dir}b${i}.txt`, `published ${i}\n`);
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]);
  for (let i = 1; i <= 5; i++) await put(ra, `${dir}b${i}.txt`, `changed again ${i}\n`);

  const r = await syncNow(b);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /5 files \(\d+ B\) can't be fetched now/);
  assert.equal(await text(rb, "a0.txt"), "sendable\n");
  await check(rb);
}

Deno.test("files opened ahead of chunks nobody could send leave no temporary file behind", async () => {
  await sendableThenFive("", (rb) => {
    const left = [...Deno.readDirSync(rb)].map((e) => e.name).filter((n) =>
      n.startsWith(".mycel-tmp")
    );
    assert.deepEqual(left, []);
  });
});

Deno.test("files opened ahead of chunks nobody could send leave no folder behind either", async () => {
  // Folders are not synced: one made for files that never came would stay
  // here an empty husk.
  await sendableThenFive("new/", async (rb) => {
    assert.equal(await Deno.lstat(`${rb}/new`).catch(() => null), null, "no folder made");
  });
});
