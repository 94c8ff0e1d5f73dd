/**
 * @module name_notes_test
 * Names another system may not hold (`CON`, `a:b`, a trailing dot) and names
 * differing only in Unicode form are synced as they are and said once, by
 * the scan that publishes them — also the scan `sync now` starts with, the
 * one a timer runs (before, only `folder scan` said them, and after `sync
 * now` had published them nothing ever did). Two names that look the same
 * on screen show their Unicode form. Real processes, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("sync now says the names it publishes that may not work elsewhere, once", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (const name of ["CON", "a:b", "trail.", "caf\u00e9.txt", "cafe\u0301.txt", "plain.txt"]) {
    await Deno.writeTextFile(join(docs, name), name);
  }
  const first = await h.run(["sync", "now"]);
  assert.match(first.stderr, /folder docs: names published this round:/);
  for (const name of ["CON", "a:b", "trail\\."]) {
    assert.match(first.stderr, new RegExp(`may not work elsewhere: ${name}: `), name);
  }
  const forms = /Unicode form .*: (\S+) \((NF[CD])\), (\S+) \((NF[CD])\)/.exec(first.stderr);
  assert.ok(forms, first.stderr);
  assert.deepEqual([forms[2], forms[4]].sort(), ["NFC", "NFD"]);
  assert.equal(forms[1].normalize("NFC"), forms[3].normalize("NFC"));
  assert.doesNotMatch(first.stderr, /plain\.txt/);
  const again = await h.run(["sync", "now"]);
  assert.doesNotMatch(again.stderr, /names published|may not work elsewhere|Unicode form/);
});
