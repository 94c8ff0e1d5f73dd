/**
 * @module conflict_test
 * Conflict copies: the name format (extensions, dotfiles, several dots, no
 * extension, long names), the choice of winner (deterministic and
 * symmetric), no copy for equal contents or deletions, a deletion naming the
 * content it deleted beating a mere touch of it (and only that), the winner
 * of a set being a function of the set alone, and version vectors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { resolveConflict, undoneIn, winnerOf } from "../../src/files/conflict.ts";
import { contentDigest } from "../../src/files/version_content.ts";
import { conflictCopyPath, isConflictCopy, splitExtension } from "../../src/files/conflict_name.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import { utf8Length } from "../../src/log/logged_path.ts";
import { bumpVv, compareVv, mergeVv } from "../../src/log/version_vector.ts";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { fileVersion as file, testDevice } from "./helpers.ts";

const A = testDevice(1), B = testDevice(2);
const T = Date.UTC(2026, 2, 4, 5, 6, 7, 890);

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

/** A deletion by `by`; `of` is the version the deleting device held (its content is named). */
function deletion(by: string, mtime: number, of?: FileVersion): FileVersion {
  return {
    path: "f",
    kind: "deleted",
    mtime,
    modifiedBy: by,
    vv: new Map([[by, 2]]),
    ...(of !== undefined && of.kind !== "deleted" ? { deletedContent: contentDigest(of) } : {}),
  };
}

/** Every order of `xs`. */
function orders<X>(xs: readonly X[]): X[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    orders([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r])
  );
}

Deno.test("a deletion naming the content it deleted beats a concurrent touch of that content, with no copy", () => {
  const held = file("f", A, T, "aa");
  // b never saw the deletion and only touched its copy: same bytes, newer mtime, exec aside.
  const touch = { ...file("f", B, T + 60_000, "aa"), exec: true };
  const del = deletion(A, T + 1000, held);
  for (const [x, y] of [[del, touch], [touch, del]]) {
    const r = resolveConflict(x, y);
    assert.equal(r.winner, del);
    assert.equal(r.loser, touch);
    assert.equal(r.copyPath, null);
  }
  for (const o of orders([del, touch])) assert.equal(winnerOf(o), del);
  assert.deepEqual([...undoneIn([del, touch])], [touch]);
  // A link touched: the same.
  const link: FileVersion = { ...held, kind: "symlink", target: "t" } as FileVersion;
  const linkDel = deletion(A, T, link);
  assert.equal(
    winnerOf([{ ...link, modifiedBy: B, mtime: T + 5, vv: new Map([[B, 1]]) }, linkDel]),
    linkDel,
  );
});

Deno.test("a deletion still loses to an edit of other content, and to anything when it names no content (an earlier release's)", () => {
  const held = file("f", A, T, "aa");
  const del = deletion(A, T + 1000, held);
  const edit = file("f", B, T + 5, "bb"); // older than the deletion: still kept
  for (const o of orders([del, edit])) assert.equal(winnerOf(o), edit);
  assert.equal(resolveConflict(del, edit).winner, edit);
  assert.equal(undoneIn([del, edit]).size, 0);
  // Made from an older version than the one touched: it deleted other content.
  const older = file("f", A, T - 5000, "cc");
  const fromOlder = deletion(A, T + 1000, older);
  const touch = file("f", B, T + 60_000, "aa");
  assert.equal(winnerOf([fromOlder, touch]), touch);
  // Without the field, as deletions were before: the touch wins, as it did.
  const unnamed = deletion(A, T + 1000);
  for (const o of orders([unnamed, touch])) assert.equal(winnerOf(o), touch);
  assert.equal(resolveConflict(unnamed, touch).winner, touch);
});

Deno.test("a deletion, a touch of what it deleted and a real edit at once: the edit stays, whatever the order", () => {
  const held = file("f", A, T, "aa");
  const del = deletion(A, T + 1000, held);
  const touch = file("f", B, T + 90_000, "aa"); // the newest of all: it would beat the edit
  const edit = file("f", testDevice(3), T + 30_000, "bb");
  // Pairwise the three go round; over the set the touch is set aside first.
  assert.equal(resolveConflict(touch, edit).winner, touch);
  assert.equal(resolveConflict(edit, del).winner, edit);
  assert.equal(resolveConflict(del, touch).winner, del);
  for (const o of orders([del, touch, edit])) {
    assert.equal(
      winnerOf(o),
      edit,
      String(o.map((v) => v.kind)),
    );
  }
  // Two deletions, each undoing one of them: only deletions are left, the best ranked wins.
  const del2 = deletion(testDevice(4), T + 2000, edit);
  for (const o of orders([del, touch, edit, del2])) assert.equal(winnerOf(o), del2);
});

Deno.test("property: the winner of a set is the same in every order, never undone, a deletion only when nothing else is left", () => {
  const contents = ["aa", "bb", "cc"];
  const arb = fc.array(
    fc.record({
      by: fc.constantFrom(A, B, testDevice(3), testDevice(4)),
      mtime: fc.integer({ min: 0, max: 3 }),
      hash: fc.constantFrom(...contents),
      // 0: a file; 1: a deletion naming nothing; 2: a deletion naming `hash`.
      kind: fc.nat(2),
    }),
    { minLength: 1, maxLength: 5 },
  ).map((specs) =>
    specs.map((p): FileVersion =>
      p.kind === 0
        ? file("f", p.by, p.mtime, p.hash)
        : deletion(p.by, p.mtime, p.kind === 2 ? file("f", p.by, 0, p.hash) : undefined)
    )
  );
  fc.assert(
    fc.property(arb, fc.integer(), (set, seed) => {
      const w = winnerOf(set);
      const shuffled = set.map((v, i) => [((i + 1) * (seed | 1)) % 7919, v] as const)
        .sort((x, y) => x[0] - y[0]).map(([, v]) => v);
      // (A set may hold one version twice: the same bytes, two objects.)
      assert.deepEqual(winnerOf(shuffled), w);
      assert.deepEqual(winnerOf([...set].reverse()), w);
      const undone = undoneIn(set);
      assert.ok(!undone.has(w));
      const alive = set.filter((v) => v.kind !== "deleted" && !undone.has(v));
      assert.equal(w.kind === "deleted", alive.length === 0);
    }),
    { numRuns: 500 },
  );
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
