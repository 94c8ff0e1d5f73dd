/**
 * Empty folders and ignore rules (docs/folders.md "Empty folders"): a folder
 * a device's rules ignore as a folder (`build/`, the usual gitignore form,
 * which matches folders only) is left alone there — not made by a peer's
 * folder version, not called deleted by the scan — so the device that syncs
 * it keeps it. Before, the round matched the folder's path as a file's
 * (`build/` did not match), made the folder in the ignored place and gave it
 * a row; the scan, which never walks an ignored folder, then called it
 * deleted and published that, and the device the folder came from removed
 * its own.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, put, sharedFolder, syncOk } from "./_helpers.ts";
import { isDir, seed } from "./_empty_dirs.ts";

Deno.test("an empty folder ignored as a folder on one device is not made there nor removed on the device that syncs it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await put(rb, ".mycel/ignore", "build/\n");
  await syncOk(b);
  await Deno.mkdir(join(ra, "build"));
  await syncOk(a);
  await syncOk(b);
  assert.equal(await isDir(join(rb, "build")), false, "b made a folder its rules ignore");
  await syncOk(b);
  await syncOk(a);
  assert.ok(await isDir(join(ra, "build")), "a's empty folder was removed because b ignores it");
});

Deno.test("a synced empty folder ignored later on one device is not called deleted there", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await Deno.mkdir(join(ra, "build"));
  await syncOk(a);
  await syncOk(b);
  assert.ok(await isDir(join(rb, "build")));
  await put(rb, ".mycel/ignore", "build/\n");
  await syncOk(b);
  await syncOk(a);
  assert.ok(await isDir(join(ra, "build")), "a's folder was removed when b began to ignore it");
  assert.ok(await isDir(join(rb, "build")), "b's ignored folder went");
});

Deno.test("an empty folder whose path is a folder apart on one device (a synced folder's copy) is not removed on the device that syncs it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  // b holds a copy of another synced folder there: left out of docs here.
  await put(rb, "inner/.mycel-folder", "other\n");
  await put(rb, "inner/notes.txt", "not docs'\n");
  await syncOk(b);
  await Deno.mkdir(join(ra, "inner"));
  await syncOk(a);
  await syncOk(b);
  await syncOk(b);
  await syncOk(a);
  assert.ok(await isDir(join(ra, "inner")), "a's empty folder was removed: b called it deleted");
  assert.equal(await Deno.readTextFile(join(rb, "inner/notes.txt")), "not docs'\n");
});
