/**
 * @module offer_said_test
 * A folder another device shares reaches this one with a `sync now`, which
 * says so once, with who shared it and the command that joins it: before,
 * the round said nothing, and the folder was found only by running `folder
 * list`. Not said again by later rounds, nor for a folder joined here, nor
 * under --json (standard output is the one document). Real processes, two
 * devices on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { devices, folderOf, syncOk } from "./_helpers.ts";

Deno.test("sync now says once that another device shared a folder, and how to join it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  await Deno.mkdir(folderOf(a));
  await a.write("folder", "add", folderOf(a), "--id", "docs", "--name", "Documents");

  const first = await syncOk(b);
  assert.ok(
    first.stdout.includes(
      "folder Documents (docs) is shared by a: to sync it here, `mycel folder join docs PATH`\n",
    ),
    first.stdout,
  );
  const again = await syncOk(b);
  assert.doesNotMatch(again.stdout, /is shared by/, again.stdout);
  // The device that shared it is told nothing of its own folder.
  const own = await syncOk(a);
  assert.doesNotMatch(own.stdout, /is shared by/, own.stdout);

  // Under --json nothing but the document.
  await Deno.mkdir(a.tmp.path("more"));
  await a.write("folder", "add", a.tmp.path("more"), "--id", "more");
  const j = await b.syncNow();
  assert.equal(j.result.code, 0, j.result.stderr);
  assert.ok(Array.isArray(JSON.parse(j.result.stdout)));
  assert.doesNotMatch(j.result.stderr, /is shared by/);

  // A folder whose id is its name is named once, as every line of a round
  // names it (folder_label.ts): it was "folder music (music)".
  await Deno.mkdir(a.tmp.path("music"));
  await a.write("folder", "add", a.tmp.path("music"), "--id", "music");
  const named = await syncOk(b);
  assert.ok(
    named.stdout.includes(
      "folder music is shared by a: to sync it here, `mycel folder join music PATH`\n",
    ),
    named.stdout,
  );
});
