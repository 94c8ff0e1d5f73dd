/**
 * @module conflict_test
 * Conflict copies: the name format (extensions, dotfiles, several dots, no
 * extension, long names), the choice of winner (deterministic and
 * symmetric), no copy for equal contents or deletions, and version vectors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  conflictCopyPath,
  isConflictCopy,
  resolveConflict,
  splitExtension,
} from "../../src/files/conflict.ts";
import type { FileVersion } from "../../src/files/file_version.ts";
import { utf8Length } from "../../src/files/paths.ts";
import { bumpVv, compareVv, mergeVv } from "../../src/files/version_vector.ts";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { testDevice } from "./helpers.ts";

const A = testDevice(1), B = testDevice(2);
const T = Date.UTC(2026, 2, 4, 5, 6, 7, 890);

function file(path: string, by: string, mtime: number, hash = "aa"): FileVersion {
  return {
    path,
    kind: "file",
    mtime,
    modifiedBy: by,
    vv: new Map([[by, 1]]),
    size: 10,
    exec: false,
    chunks: { inline: [{ hash: hash.repeat(32), length: 10 }] },
  };
}

Deno.test("conflict copy names: extension, none, dotfile, several dots, folders", () => {
  const dev = shortDeviceId(B);
  const cases: [string, string][] = [
    ["report.pdf", `report.sync-conflict-20260304-050607-${dev}.pdf`],
    ["Makefile", `Makefile.sync-conflict-20260304-050607-${dev}`],
    [".bashrc", `.bashrc.sync-conflict-20260304-050607-${dev}`],
    [".config.json", `.config.sync-conflict-20260304-050607-${dev}.json`],
    ["archive.tar.gz", `archive.tar.sync-conflict-20260304-050607-${dev}.gz`],
    ["notes.", `notes..sync-conflict-20260304-050607-${dev}`],
    ["a/b/c.txt", `a/b/c.sync-conflict-20260304-050607-${dev}.txt`],
  ];
  for (const [path, want] of cases) {
    const name = conflictCopyPath(file(path, B, T));
    assert.equal(name, want);
    assert.ok(isConflictCopy(name), name);
  }
  assert.equal(dev.length, 7);
  assert.ok(!isConflictCopy("report.pdf"));
});

Deno.test("the copy's time is the loser's mtime in UTC, whole seconds", () => {
  assert.match(
    conflictCopyPath(file("x", A, Date.UTC(1999, 11, 31, 23, 59, 59, 999))),
    /-19991231-235959-/,
  );
  assert.match(conflictCopyPath(file("x", A, 0)), /-19700101-000000-/);
  assert.match(conflictCopyPath(file("x", A, -1)), /-19691231-235959-/);
});

Deno.test("a long name is shortened to fit 255 bytes, keeping tag and extension whole", () => {
  const stem = "é".repeat(120); // 240 bytes
  const name = conflictCopyPath(file(`d/${stem}.txt`, A, T));
  const last = name.slice(2);
  assert.ok(utf8Length(last) <= 255, `${utf8Length(last)} bytes`);
  assert.ok(last.endsWith(`-${shortDeviceId(A)}.txt`));
  assert.ok(isConflictCopy(name));
  assert.ok(last.isWellFormed());
});

Deno.test("two long names that differ only past the cut get different conflict copies; short names are not touched", () => {
  const long = "x".repeat(240);
  const a = conflictCopyPath(file(`${long}A.txt`, A, T));
  const b = conflictCopyPath(file(`${long}B.txt`, A, T));
  assert.notEqual(a, b);
  for (const n of [a, b]) {
    assert.ok(utf8Length(n) <= 255, `${utf8Length(n)} bytes`);
    assert.match(n, /^x+~[0-9a-f]{8}\.sync-conflict-/);
    assert.ok(isConflictCopy(n));
  }
  // The same loser always gets the same name (every device makes the same copy).
  assert.equal(conflictCopyPath(file(`${long}A.txt`, A, T)), a);
  assert.doesNotMatch(conflictCopyPath(file("short.txt", A, T)), /~/);
});

Deno.test("splitExtension(): dotfiles and trailing dots have no extension", () => {
  assert.deepEqual(splitExtension("a.b.c"), ["a.b", ".c"]);
  assert.deepEqual(splitExtension("..x"), ["..x", ""]);
  assert.deepEqual(splitExtension("..x.y"), ["..x", ".y"]);
  assert.deepEqual(splitExtension("x."), ["x.", ""]);
});

Deno.test("the newer mtime wins; the loser gets the only copy name, whichever order", () => {
  const older = file("doc.txt", A, T, "aa");
  const newer = file("doc.txt", B, T + 1000, "bb");
  for (const [x, y] of [[older, newer], [newer, older]]) {
    const r = resolveConflict(x, y);
    assert.equal(r.winner, newer);
    assert.equal(r.loser, older);
    assert.equal(r.copyPath, conflictCopyPath(older));
  }
});

Deno.test("property: the outcome is symmetric and a function of the two versions", () => {
  const arb = fc.record({
    by: fc.constantFrom(A, B, testDevice(3)),
    mtime: fc.integer({ min: 0, max: 3 }),
    hash: fc.constantFrom("aa", "bb", "cc"),
  });
  fc.assert(
    fc.property(arb, arb, (p, q) => {
      const x = file("f", p.by, p.mtime, p.hash), y = file("f", q.by, q.mtime, q.hash);
      const r1 = resolveConflict(x, y), r2 = resolveConflict(y, x);
      assert.deepEqual(r1, r2);
      assert.equal(r1.copyPath === null, p.hash === q.hash);
    }),
  );
});

Deno.test("equal contents make no copy; an edit beats a concurrent delete without a copy", () => {
  const a = file("f", A, T, "aa"), b = { ...file("f", B, T + 5, "aa"), exec: true };
  assert.equal(resolveConflict(a, b).copyPath, null);
  const del: FileVersion = {
    path: "f",
    kind: "deleted",
    mtime: T + 99,
    modifiedBy: B,
    vv: new Map([[B, 2]]),
  };
  for (const [x, y] of [[a, del], [del, a]]) {
    const r = resolveConflict(x, y);
    assert.equal(r.winner, a);
    assert.equal(r.copyPath, null);
  }
  const link: FileVersion = {
    path: "f",
    kind: "symlink",
    target: "t",
    mtime: T,
    modifiedBy: B,
    vv: new Map([[B, 1]]),
  };
  assert.ok(resolveConflict(a, link).copyPath !== null);
});

Deno.test("version vectors: order, concurrency, merge and bump", () => {
  const v1 = new Map([[A, 1]]);
  const v2 = bumpVv(v1, A);
  const v3 = bumpVv(v1, B);
  assert.equal(compareVv(v1, v1), "equal");
  assert.equal(compareVv(v1, v2), "before");
  assert.equal(compareVv(v2, v1), "after");
  assert.equal(compareVv(v2, v3), "concurrent");
  const m = mergeVv(v2, v3);
  assert.deepEqual([...m].sort(), [[A, 2], [B, 1]].sort());
  assert.equal(compareVv(v2, m), "before");
  assert.equal(compareVv(new Map(), v1), "before");
});
