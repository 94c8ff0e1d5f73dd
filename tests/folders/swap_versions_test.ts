/**
 * A swap received from another device keeps no copy of what is still in the
 * folder (swap_kept_test.ts), but a.txt's previous content is not lost to
 * the user: `folder versions a.txt` lists it "now at b.txt" (a note in the
 * home, src/sync/moved_kept.ts), and `folder restore` copies it back from
 * there while b.txt still holds it — checked by content — and refuses,
 * changing nothing, once b.txt was edited. The device that made the swap
 * lists and restores it the same way (src/sync/moved_here.ts; before, it
 * listed nothing). Real processes and files, two devices.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, keptFiles, sharedFolder, syncOk, text } from "./_helpers.ts";
import { swapReceived, textsSwapped, twoSynced } from "./_swap.ts";

Deno.test("a swap received here lists a.txt's old content as now at b.txt, and restore brings it back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [one, two] = await textsSwapped(devs.list, ra, "a.txt", "b.txt");
  assert.equal(await text(rb, "a.txt"), two);
  assert.equal(await text(rb, "b.txt"), one);
  assert.deepEqual(await keptFiles(rb), [], "nothing kept: both contents are in the folder");

  const listed = await b.ok(["folder", "versions", join(rb, "a.txt")]);
  assert.match(listed.stdout, /^1 {2}\S+ \S+ \S+ {2}20 KiB {2}now at b\.txt \(same content\)$/m);
  const json = JSON.parse((await b.ok(["folder", "versions", join(rb, "a.txt"), "--json"])).stdout);
  assert.equal(json.length, 1, JSON.stringify(json));
  assert.equal(json[0].version, 1);
  assert.equal(json[0].size, one.length);
  assert.equal(json[0].now_at, "b.txt");
  assert.equal(json[0].still_there, true);
  assert.equal(json[0].link, false);
  // b.txt's own list: b's old content is at a.txt.
  const other = JSON.parse(
    (await b.ok(["folder", "versions", join(rb, "b.txt"), "--json"])).stdout,
  );
  assert.equal(other[0]?.now_at, "a.txt", JSON.stringify(other));

  const restored = await b.ok(["folder", "restore", join(rb, "a.txt"), "--version", "1"]);
  assert.match(restored.stdout, /Restored a\.txt from .*copied from b\.txt/);
  assert.equal(await text(rb, "a.txt"), one, "a.txt holds its old content again");
  assert.equal(await text(rb, "b.txt"), one, "b.txt is as it was");
  // What a.txt held is kept in turn, as any restore's; no temporary file is left.
  const kept = (await keptFiles(rb)).map((k) => new TextDecoder().decode(k.bytes));
  assert.deepEqual(kept, [two]);
  assert.deepEqual(
    [...Deno.readDirSync(rb)].map((e) => e.name).filter((n) => !n.startsWith(".")).sort(),
    ["a.txt", "b.txt"],
  );
  // Published as a normal edit: device a takes it.
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "a.txt"), one, "the restore reached device a");
});

Deno.test("restoring a version now at b.txt after b.txt was edited is refused and changes nothing; the note expires with the folder's retention", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [, two] = await textsSwapped(devs.list, ra, "a.txt", "b.txt");

  // Same size, other bytes: found by content, not by size or name.
  const edited = "ONE ".repeat(5000);
  await Deno.writeTextFile(join(rb, "b.txt"), edited);
  const listed = await b.ok(["folder", "versions", join(rb, "a.txt")]);
  assert.match(
    listed.stdout,
    /^1 .* {2}was at b\.txt \(changed since; its own versions may hold it\)$/m,
  );
  const r = await b.run(["folder", "restore", join(rb, "a.txt"), "--version", "1"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /Cannot restore file: its content was at b\.txt when it was kept, and b\.txt holds other content now \(a\.txt\)/,
  );
  assert.match(r.stderr, /mycel folder versions \S*b\.txt/);
  assert.equal(await text(rb, "a.txt"), two, "a.txt unchanged");
  assert.equal(await text(rb, "b.txt"), edited, "b.txt unchanged");
  assert.deepEqual(await keptFiles(rb), [], "nothing kept");
  assert.deepEqual(
    [...Deno.readDirSync(rb)].map((e) => e.name).filter((n) => !n.startsWith(".")).sort(),
    ["a.txt", "b.txt"],
    "no temporary file left",
  );
  // The note expires with the kept versions: the folder's retention (0: none kept past a round).
  await b.ok(["folder", "retention", "docs", "0"]);
  const after = JSON.parse(
    (await b.ok(["folder", "versions", join(rb, "a.txt"), "--json"])).stdout,
  );
  assert.deepEqual(after, [], "past the retention, the note is not listed");
});

Deno.test("a swapped file of many chunks (its list a manifest) is restored from where it is now", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const one = pseudoRandomBytes(4 << 20, 1), two = pseudoRandomBytes(3 << 20, 2);
  await twoSynced(devs.list, ra, ["a.bin", "b.bin"], [one, two]);
  await swapReceived(a, b, ra, "a.bin", "b.bin");
  assert.deepEqual(await keptFiles(rb), []);
  const json = JSON.parse((await b.ok(["folder", "versions", join(rb, "a.bin"), "--json"])).stdout);
  assert.deepEqual([json[0]?.now_at, json[0]?.size], ["b.bin", 4 << 20], JSON.stringify(json));
  const r = JSON.parse(
    (await b.ok(["folder", "restore", join(rb, "a.bin"), "--version", "1", "--json"])).stdout,
  );
  assert.equal(r.copied_from, "b.bin");
  assert.deepEqual(await Deno.readFile(join(rb, "a.bin")), one);
  // b.bin's old content was at a.bin, which holds a's again: not there, by
  // content, but in a.bin's copy the restore kept, found by content too
  // (src/sync/moved_kept_found.ts; before, refused): the swap is undone.
  const back = JSON.parse(
    (await b.ok(["folder", "restore", join(rb, "b.bin"), "--version", "1", "--json"])).stdout,
  );
  assert.match(back.copied_from, /^\.mycel\/versions\/a~\d{8}-\d{6}-\d{3}\.bin$/);
  assert.deepEqual(await Deno.readFile(join(rb, "b.bin")), two);
  assert.deepEqual(await Deno.readFile(join(rb, "a.bin")), one);
});

Deno.test("a version now at b.txt is not restored through a link put at b.txt, even to the same bytes", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [one, two] = await textsSwapped(devs.list, ra, "a.txt", "b.txt");

  const outside = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(outside, "same.txt"), one);
    await Deno.remove(join(rb, "b.txt"));
    await Deno.symlink(join(outside, "same.txt"), join(rb, "b.txt"));
    const r = await b.run(["folder", "restore", join(rb, "a.txt"), "--version", "1"]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /and b\.txt is not a regular file now \(a\.txt\)/);
    assert.equal(await text(rb, "a.txt"), two, "a.txt unchanged");
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("the device that swapped a.txt and b.txt lists a.txt's old content as now at b.txt too, and restores it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a] = devs.list;
  const [ra] = await sharedFolder(devs);
  const [one] = await textsSwapped(devs.list, ra, "a.txt", "b.txt");

  // Before: nothing listed on a, the device that made the swap (its own edits are never kept).
  const json = JSON.parse((await a.ok(["folder", "versions", join(ra, "a.txt"), "--json"])).stdout);
  assert.deepEqual(
    json.map((v: { now_at: string; size: number; still_there: boolean }) => [
      v.now_at,
      v.size,
      v.still_there,
    ]),
    [["b.txt", one.length, true]],
    JSON.stringify(json),
  );
  const other = JSON.parse(
    (await a.ok(["folder", "versions", join(ra, "b.txt"), "--json"])).stdout,
  );
  assert.equal(other[0]?.now_at, "a.txt", JSON.stringify(other));
  const r = JSON.parse(
    (await a.ok(["folder", "restore", join(ra, "a.txt"), "--version", "1", "--json"])).stdout,
  );
  assert.equal(r.copied_from, "b.txt");
  assert.equal(await text(ra, "a.txt"), one);
  assert.equal(await text(ra, "b.txt"), one, "b.txt is as it was");
});
