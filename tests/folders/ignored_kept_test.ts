/**
 * Files already synced that a new `.mycelignore` rule matches are neither
 * deleted nor published any more: each device keeps the copy it had, and an
 * edit to one stays where it was made while the folder reads "in sync".
 * That stays so (docs/folders.md, Ignore rules), but it is said: `folder
 * scan` says how many, `sync now` once (not every round), and `folder
 * status` always, `ignored_kept` in its `--json`. Before, nothing said it:
 * the scan counted 6 files, the status 8 (a three-device walkthrough, issue
 * 13).
 */

import assert from "node:assert/strict";
import { devices, put, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";
import { ignoredKeptText } from "../../src/cli/not_synced.ts";

const SAID =
  /2 files synced before are ignored now \(\.mycelignore, \.mycel\/ignore\): kept as they were here and on the other devices, and edits to them no longer sync/;

Deno.test("files synced before a new ignore rule matched them are said once by sync now, by every scan, and always by folder status", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      for (let i = 0; i < 4; i++) await put(ra, `note${i}.txt`, `note ${i}\n`);
      await put(ra, "debug.log", "one\n");
      await put(ra, "logs/run.log", "two\n");
    },
  });
  await syncOk(b);
  assert.equal(await text(rb, "logs/run.log"), "two\n");

  // A file rule and a folder rule (everything below logs/ is ignored too).
  await put(ra, ".mycelignore", "debug.log\nlogs/\n");
  const first = await syncOk(a);
  assert.match(first.stderr, SAID, first.stderr);
  // Said once: the next rounds on a say nothing of it.
  const again = await syncOk(a);
  assert.doesNotMatch(again.stderr, /ignored now/, again.stderr);
  // b takes the rule in its round, and its next scan finds the files it kept.
  const outs: string[] = [];
  for (let i = 0; i < 3; i++) outs.push((await syncOk(b)).stderr);
  assert.equal(outs.filter((o) => SAID.test(o)).length, 1, outs.join("\n---\n"));

  for (const d of [a, b]) {
    const st = await d.ok(["--no-sync", "folder", "status", "docs"]);
    assert.match(st.stdout, SAID, `${d.name}: ${st.stdout}`);
    const json = await d.tmp.json<{ ignored_kept: number }[]>(
      ["--no-sync", "folder", "status", "docs", "--json"],
    );
    assert.equal(json[0].ignored_kept, 2, d.name);
    const scan = await d.ok(["--no-sync", "folder", "scan", "docs"]);
    assert.match(scan.stderr, SAID, `${d.name}: ${scan.stderr}`);
  }
  // The behaviour stays: an edit to one stays where it was made, and both keep theirs.
  await put(ra, "debug.log", "edited on a\n");
  await syncOk(a);
  await syncNow(b);
  assert.equal(await text(rb, "debug.log"), "one\n");
  assert.equal(await text(ra, "debug.log"), "edited on a\n");

  // Gone from a's disk: no longer counted, and status says nothing of it.
  await Deno.remove(`${ra}/debug.log`);
  await Deno.remove(`${ra}/logs/run.log`);
  await syncOk(a);
  const st = await a.ok(["--no-sync", "folder", "status", "docs"]);
  assert.doesNotMatch(st.stdout, /ignored now/, st.stdout);
  const json = await a.tmp.json<{ ignored_kept: number }[]>(
    ["--no-sync", "folder", "status", "docs", "--json"],
  );
  assert.equal(json[0].ignored_kept, 0);
});

Deno.test("one file synced before and ignored now is said in the singular", () => {
  // It read "1 file synced before is ignored now …: kept as they were …, and edits to them …".
  assert.equal(
    ignoredKeptText(1),
    "1 file synced before is ignored now (.mycelignore, .mycel/ignore): kept as it was here " +
      "and on the other devices, and edits to it no longer sync",
  );
  assert.match(ignoredKeptText(2), SAID);
});
