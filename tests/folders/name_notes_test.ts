/**
 * @module name_notes_test
 * Names another system may not hold (`CON`, `a:b`, a trailing dot) and names
 * differing only in Unicode form are synced as they are and said once, by
 * the scan that publishes them — also the scan `sync now` starts with, the
 * one a timer runs (before, only `folder scan` said them, and after `sync
 * now` had published them nothing ever did). Two names that look the same
 * on screen show their Unicode form. Links pointing outside the folder are
 * synced as links and said the same way. Real processes, one device.
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
  await Deno.mkdir(join(docs, "x:y"));
  await Deno.writeTextFile(join(docs, "x:y", "in.txt"), "in");
  const first = await h.run(["sync", "now"]);
  assert.match(first.stderr, /folder docs: names published this round:/);
  for (const name of ["CON", "a:b", "trail\\."]) {
    assert.match(first.stderr, new RegExp(`may not work elsewhere: ${name}: `), name);
  }
  // A name at the top is said once (it read "CON: CON: it is a reserved device name");
  // deeper down, the line names the folder at fault after the path.
  assert.match(
    first.stderr,
    /may not work elsewhere: CON: it is a reserved device name \(on Windows\)\n/,
  );
  assert.match(
    first.stderr,
    /may not work elsewhere: x:y\/in\.txt: x:y: it contains a colon \(on macOS\)\n/,
  );
  const forms = /Unicode form .*: (\S+) \((NF[CD])\), (\S+) \((NF[CD])\)/.exec(first.stderr);
  assert.ok(forms, first.stderr);
  assert.deepEqual([forms[2], forms[4]].sort(), ["NFC", "NFD"]);
  assert.equal(forms[1].normalize("NFC"), forms[3].normalize("NFC"));
  assert.doesNotMatch(first.stderr, /plain\.txt/);
  const again = await h.run(["sync", "now"]);
  assert.doesNotMatch(again.stderr, /names published|may not work elsewhere|Unicode form/);
});

Deno.test("links pointing outside the folder are synced as links and said once, by the scan that publishes them", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(join(docs, "sub"), { recursive: true });
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await Deno.writeTextFile(join(docs, "real.txt"), "in\n");
  await Deno.symlink("/etc/hostname", join(docs, "abs"));
  await Deno.symlink("../../elsewhere", join(docs, "sub/climbs"));
  await Deno.symlink("../real.txt", join(docs, "sub/inside"));
  const first = await h.run(["sync", "now"]);
  assert.match(first.stderr, /folder docs: links published this round:/, first.stderr);
  assert.match(first.stderr, /points outside the folder: abs -> \/etc\/hostname/);
  assert.match(first.stderr, /points outside the folder: sub\/climbs -> \.\.\/\.\.\/elsewhere/);
  assert.match(first.stderr, /mycel never follows a link/);
  assert.doesNotMatch(first.stderr, /sub\/inside|real\.txt/, "a link inside is not said");
  // Synced as links all the same: published, nothing skipped.
  const st = await h.json<{ files: number; not_synced_count: number }[]>(
    ["folder", "status", "--json"],
  );
  assert.deepEqual([st[0].files, st[0].not_synced_count], [4, 0]);
  // Copied over with `cp -a` (a new inode, the same target and time): read again, not published.
  const before = (await Deno.lstat(join(docs, "abs"))).ino;
  const copy = await new Deno.Command("sh", {
    args: ["-c", "cp -a abs abs.new && mv abs.new abs"],
    cwd: docs,
  }).output();
  assert.ok(copy.success, new TextDecoder().decode(copy.stderr));
  assert.notEqual((await Deno.lstat(join(docs, "abs"))).ino, before, "a new inode");
  const again = await h.run(["sync", "now"]);
  assert.doesNotMatch(again.stderr, /outside the folder/, again.stderr);
  // A link changed to point out is said by the scan that publishes the change.
  await Deno.remove(join(docs, "sub/inside"));
  await Deno.symlink("/tmp", join(docs, "sub/inside"));
  const scan = await h.run(["folder", "scan", "docs"]);
  assert.match(scan.stderr, /points outside the folder: sub\/inside -> \/tmp\n/, scan.stderr);
  assert.doesNotMatch(scan.stderr, /abs|climbs/, "only the link this scan published");
});
