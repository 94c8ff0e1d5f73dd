/**
 * @module scan_interrupt_commands_test
 * The other commands that scan stop on Ctrl-C the way `folder scan` does
 * (scan_interrupt_test.ts): `sync now`, whose scan comes before the round,
 * and `folder add`, which scans the folder it shares. Each exits 130 by
 * itself with the named error, at once; before, each went on scanning to
 * the end (or until main.ts ended it 3 s after the signal). `sync now`
 * records nothing of the scan; `folder add` keeps the share (committed
 * before the scan) and publishes the files at the next scan.
 */

import assert from "node:assert/strict";
import { versionPathFor } from "../../src/files/versions.ts";
import { type TempHome, tempHome } from "../helpers/mycel.ts";
import { put } from "./_helpers.ts";
import { assertStopped, bigFile, interrupted, recorded } from "./_scan_stop.ts";

/** A device sharing `docs` (one file published), then a 512 MiB file in it to scan; its path. */
async function sharedBig(h: TempHome): Promise<string> {
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await put(docs, "first.txt", "x\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await bigFile(`${docs}/big.bin`);
  return docs;
}

Deno.test("Ctrl-C during the scan of sync now stops it at once, records nothing and exits 130", async () => {
  await using h = await tempHome("mycel-scan-stop-");
  const docs = await sharedBig(h);
  const before = await recorded(h);

  const o = await interrupted(h, ["sync", "now"], docs);
  console.log(`sync now: exited ${o.took} ms after SIGINT`);
  assertStopped(o, docs);
  assert.equal(await recorded(h), before, "index and log as before the scan");
});

Deno.test("Ctrl-C during the scan of sync now --json: one document on standard output ([], no session ran), the error as JSON", async () => {
  await using h = await tempHome("mycel-scan-stop-");
  const docs = await sharedBig(h);
  const o = await interrupted(h, ["sync", "now", "--json"], docs);
  assert.ok(o.under, `caught under way: ${o.shown}`);
  assert.equal(o.r.code, 130, o.shown);
  assert.deepEqual(JSON.parse(o.r.stdout), [], o.shown);
  const error = JSON.parse(o.r.stderr.trim().split("\n").at(-1)!).error;
  assert.equal(error.code, "sync_interrupted", o.shown);
  assert.match(error.message, /^Cannot scan folder: it was interrupted/, o.shown);
});

Deno.test("Ctrl-C during the scan of folder add stops it at once: shared, nothing published, exit 130", async () => {
  await using h = await tempHome("mycel-scan-stop-");
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await put(docs, "first.txt", "x\n");
  await bigFile(`${docs}/big.bin`);

  const o = await interrupted(h, ["--no-sync", "folder", "add", docs, "--id", "docs"], docs);
  console.log(`folder add: exited ${o.took} ms after SIGINT`);
  assertStopped(o, docs);
  const files = async () =>
    (await h.json<{ id: string; files: number }[]>(["--no-sync", "folder", "status", "--json"]))
      .map((f) => [f.id, f.files]);
  assert.deepEqual(await files(), [["docs", 0]], "shared, no file published");
  // Said before the scan, so the stop does not read as a share that failed;
  // and `folder add` run again says where it is shared, not "Join it".
  assert.equal(o.r.stdout, "Shared folder docs.\n", o.shown);
  const again = await h.run(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  assert.equal(again.code, 2, again.stderr);
  assert.match(
    again.stderr,
    /^error: Cannot share folder: this device shares it already, at \S+\/docs \(docs\)\nhint: Its files go out with the next scan: `mycel folder scan docs`/,
  );

  await h.ok(["--no-sync", "folder", "scan"]);
  assert.deepEqual(await files(), [["docs", 2]], "the next scan publishes");
});

Deno.test("Ctrl-C during the scan after folder restore: the file stays restored, and the error says so", async () => {
  await using h = await tempHome("mycel-scan-stop-");
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await put(docs, "notes.txt", "second\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await put(docs, versionPathFor("notes.txt", Date.UTC(2026, 10, 1)), "first\n"); // kept
  await bigFile(`${docs}/big.bin`); // what the scan after the restore reads

  const o = await interrupted(h, ["--no-sync", "folder", "restore", `${docs}/notes.txt`], docs);
  console.log(`folder restore: exited ${o.took} ms after SIGINT`);
  assert.equal(o.r.code, 130, o.shown);
  assert.ok(
    o.r.stderr.includes("Cannot publish the restored file: it was interrupted (notes.txt)"),
    o.shown,
  );
  assert.match(o.r.stderr, /hint: notes\.txt is restored on disk; the next scan/, o.shown);
  assert.ok(o.took < 1500, `exited ${o.took} ms after the signal: ${o.shown}`);
  assert.equal(await Deno.readTextFile(`${docs}/notes.txt`), "first\n", "restored");
});
