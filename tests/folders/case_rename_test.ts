/**
 * Names that differ only in case, on Linux's case-sensitive file system with
 * real processes:
 * - a case-only rename (`Report.txt` → `report.txt`) on one device arrives
 *   on the other as a rename: one file, the new spelling, the same content,
 *   built from the chunks already on that disk (nothing fetched), no
 *   conflict;
 * - two spellings at once (`Report.txt` and `report.txt`, or folders `Notes/`
 *   and `notes/`) are reported by the scan as names differing only in case
 *   (`case_collisions`, text and `--json`), are not "unportable" names, and
 *   sync as they are — reported, never changed (docs/folders.md, "Paths from
 *   peers").
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import {
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncOk,
  text,
  treeHash,
  treeLines,
} from "./_helpers.ts";

Deno.test("a case-only rename arrives as a rename: one file, the new spelling, same content", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const body = pseudoRandomBytes(300_000, 11);
  await put(ra, "Report.txt", body);
  // Other files, so that one path gone is not "more than half the folder" (held).
  for (const n of ["x", "y"]) await put(ra, `${n}.txt`, `${n}\n`);
  await rounds([a, b], 1);
  assert.deepEqual(await listTree(rb), ["Report.txt", "x.txt", "y.txt"]);
  const before = await treeLines(rb);

  await Deno.rename(join(ra, "Report.txt"), join(ra, "report.txt"));
  const s = await syncOk(a);
  assert.doesNotMatch(s.stderr, /held/, s.stderr);
  const r = await syncOk(b);
  assert.doesNotMatch(r.stdout, /fetched/, `built from the chunks on b's disk:\n${r.stdout}`);
  const want = ["report.txt", "x.txt", "y.txt"];
  assert.deepEqual(await listTree(rb), want);
  assert.deepEqual(
    await treeLines(rb),
    before.map((l) => l.replace("Report.txt", "report.txt")).sort(),
  );
  await rounds([a, b], 1);
  assert.deepEqual(await listTree(ra), want);
  assert.deepEqual(await listTree(rb), want);
  assert.equal(await treeHash(ra), await treeHash(rb));
  for (const d of [a, b]) {
    const c = await d.tmp.json<{ unresolved: string[]; copies: string[] }[]>(
      ["folder", "conflicts", "--json"],
    );
    assert.deepEqual(c, [{ id: "docs", unresolved: [], copies: [] }], d.name);
  }
});

Deno.test("two spellings of one name are reported as a case collision and sync unchanged", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "Report.txt", "capital\n");
  await put(ra, "report.txt", "lower\n");
  await put(ra, "Notes/one.txt", "one\n");
  await put(ra, "notes/two.txt", "two\n");
  const [scan] = await a.tmp.json<
    { case_collisions: string[][]; unportable: unknown[]; published: number }[]
  >(["folder", "scan", "docs", "--json"]);
  assert.deepEqual(scan.case_collisions, [["Notes", "notes"], ["Report.txt", "report.txt"]]);
  assert.deepEqual(scan.unportable, [], "each name alone is portable");
  assert.equal(scan.published, 4);

  // The text form says the same, on standard error.
  await put(ra, "REPORT.txt", "upper\n");
  const t = await a.ok(["folder", "scan", "docs"]);
  assert.match(
    t.stderr,
    /names differing only in case or Unicode form \(one name on macOS and Windows\): REPORT\.txt, Report\.txt, report\.txt/,
  );
  assert.match(t.stderr, /names differing only in case or Unicode form .*: Notes, notes/);

  // Reported, never changed: every spelling reaches b as it is.
  await rounds([a, b], 1);
  assert.deepEqual(await listTree(rb), [
    "Notes/one.txt",
    "REPORT.txt",
    "Report.txt",
    "notes/two.txt",
    "report.txt",
  ]);
  assert.equal(await text(rb, "Report.txt"), "capital\n");
  assert.equal(await text(rb, "report.txt"), "lower\n");
  assert.equal(await treeHash(ra), await treeHash(rb));
});
