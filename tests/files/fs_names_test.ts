/**
 * Names a folder's file system can't hold as they are (src/files/fs_names.ts,
 * src/files/case_rename.ts), on this machine's case-sensitive file system;
 * a real exFAT (case-insensitive, no `:`) is in tests/folders/exfat_test.ts.
 */

import assert from "node:assert/strict";
import { casePairs } from "../../src/files/case_rename.ts";
import type { PlanAction } from "../../src/files/folder_plan_types.ts";
import { CaseNames, ignoresCase, nameRefused } from "../../src/files/fs_names.ts";
import { testFolder } from "./helpers.ts";

Deno.test("a case-sensitive file system is not taken for one that ignores case; the probe leaves nothing", async () => {
  await using f = await testFolder();
  const before = [...Deno.readDirSync(f.root)].map((e) => e.name).sort();
  assert.equal(ignoresCase(f.root), false);
  assert.deepEqual([...Deno.readDirSync(f.root)].map((e) => e.name).sort(), before);
});

Deno.test("CaseNames: a new path clashes with a folder or file spelled otherwise, and with paths added this round", async () => {
  await using f = await testFolder();
  await f.write("Notes/x.txt", "x");
  await f.write("Report.txt", "r");
  const names = new CaseNames(f.root);
  assert.deepEqual(names.clash("notes/y.txt"), { segment: "notes", twin: "Notes" });
  assert.deepEqual(names.clash("report.txt"), { segment: "report.txt", twin: "Report.txt" });
  assert.equal(names.clash("Notes/y.txt"), undefined);
  assert.equal(names.clash("Report.txt"), undefined, "its own spelling is no clash");
  assert.equal(names.clash("new/a.txt"), undefined);
  names.add("new/a.txt");
  assert.deepEqual(names.clash("NEW/b.txt"), { segment: "NEW", twin: "new" });
  assert.equal(names.clash("new/b.txt"), undefined);
});

Deno.test("casePairs: a removal and a new file differing only in case, in one folder, pair up", () => {
  const row = (path: string) => ({
    path,
    kind: "file" as const,
    size: 1,
    mtimeMs: 1,
    ino: 1,
    ctimeMs: 1,
    exec: false,
    version: null,
  });
  const file = { kind: "file" } as unknown as Extract<PlanAction, { kind: "write" }>["version"];
  const write = (path: string, copy = false): PlanAction =>
    ({ kind: "write", path, id: path, version: file, expected: null, copy }) as PlanAction;
  const remove = (path: string): PlanAction =>
    ({ kind: "remove", path, id: path, version: file, expected: row(path) }) as PlanAction;
  const actions = [
    write("docs/report.txt"),
    write("other/case.txt"),
    write("x.TXT", true),
    remove("docs/Report.txt"),
    remove("Other/case.txt"),
    remove("x.txt"),
  ];
  const pairs = casePairs(actions).map((p) => [p.write.path, p.remove.path]);
  assert.deepEqual(pairs, [["docs/report.txt", "docs/Report.txt"]]);
});

Deno.test("nameRefused names FAT's forbidden characters, and leaves other failures as they are", () => {
  const e = nameRefused("dir/a:b.txt", new Deno.errors.NotFound("open failed"));
  assert.equal(e?.code, "name_refused");
  assert.match(e!.message, /can't hold the name "a:b\.txt"/);
  assert.equal(nameRefused("dir/plain.txt", new Deno.errors.NotFound("x")), undefined);
  assert.equal(nameRefused("dir/a:b.txt", new Deno.errors.PermissionDenied("x")), undefined);
});
