/**
 * planFolder (src/files/folder_plan.ts), pure: what a device does for each
 * path given the state's versions and its index — nothing when the disk
 * holds the winner; fetch, remove or adopt otherwise; one conflict copy per
 * differing loser (none when the state already has that name with that
 * content, the content-tagged name when it holds other content or a deletion,
 * none for a deletion, none for equal content); a merge after a conflict; copies
 * before writes before removals before merges.
 */

import assert from "node:assert/strict";
import { contentDigest } from "../../src/files/version_content.ts";
import { conflictCopyPath, isConflictCopy } from "../../src/files/conflict_name.ts";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion, RegularFileVersion } from "../../src/log/file_version.ts";
import { planFolder } from "../../src/files/folder_plan.ts";
import type { PlanIndexRow } from "../../src/files/folder_plan_types.ts";
import { versionId } from "../../src/log/folder_state.ts";
import { testDevice } from "./helpers.ts";

const A = testDevice(1), B = testDevice(2);

function file(
  path: string,
  by: string,
  vv: [string, number][],
  hashByte: number,
  mtime = 1000,
): FileVersion {
  return {
    kind: "file",
    path,
    mtime,
    modifiedBy: by,
    vv: new Map(vv),
    size: 3,
    exec: false,
    chunks: { inline: [{ hash: hashByte.toString(16).padStart(2, "0").repeat(32), length: 3 }] },
  };
}

const del = (path: string, by: string, vv: [string, number][]): FileVersion => ({
  kind: "deleted",
  path,
  mtime: 5000,
  modifiedBy: by,
  vv: new Map(vv),
});

const pv = (v: FileVersion) => {
  const bytes = encodeFileVersion(v);
  return { id: versionId(bytes), bytes };
};

const row = (v: FileVersion): PlanIndexRow => ({
  path: v.path,
  kind: "file",
  size: 3,
  mtimeMs: v.mtime,
  ino: 1,
  ctimeMs: 1,
  exec: false,
  version: encodeFileVersion(v),
});

function plan(state: [string, FileVersion[]][], index: PlanIndexRow[]) {
  return planFolder(
    state.map(([p, list]) => [p, list.map(pv)]),
    new Map(index.map((r) => [r.path, r])),
    versionId,
  );
}

Deno.test("nothing to do when the disk holds the only version", () => {
  const v = file("x", A, [[A, 1]], 1);
  assert.deepEqual(plan([["x", [v]]], [row(v)]).actions, []);
});

Deno.test("a newer version is fetched over the held one; a deletion removes it", () => {
  const old = file("x", A, [[A, 1]], 1), newer = file("x", B, [[A, 1], [B, 1]], 2);
  const p1 = plan([["x", [newer]]], [row(old)]);
  assert.deepEqual(p1.actions.map((a) => [a.kind, a.path]), [["write", "x"]]);
  const gone = del("x", B, [[A, 1], [B, 1]]);
  assert.deepEqual(plan([["x", [gone]]], [row(old)]).actions.map((a) => a.kind), ["remove"]);
  // A deletion of a file this disk never had: nothing to do.
  assert.deepEqual(plan([["x", [gone]]], []).actions, []);
});

Deno.test("the same content under another version is adopted, not fetched", () => {
  const mine = file("x", A, [[A, 1]], 7), merged = file("x", B, [[A, 1], [B, 2]], 7, 2000);
  assert.deepEqual(plan([["x", [merged]]], [row(mine)]).actions.map((a) => a.kind), ["adopt"]);
});

Deno.test("a conflict: one copy of the loser, the winner at the path, then a merge, in that order", () => {
  const a = file("doc.txt", A, [[A, 1]], 1, 1000), b = file("doc.txt", B, [[B, 1]], 2, 9000);
  const p = plan([["doc.txt", [a, b]]], [row(a)]);
  assert.deepEqual(p.conflicts, ["doc.txt"]);
  assert.deepEqual(p.actions.map((x) => [x.kind, x.path]), [
    ["write", conflictCopyPath(a)],
    ["write", "doc.txt"],
    ["merge", "doc.txt"],
  ]);
  // Someone already made the copy: it arrives as an ordinary file, no second copy is made.
  const copy = file(conflictCopyPath(a), B, [[B, 1]], 1);
  const q = plan([["doc.txt", [a, b]], [conflictCopyPath(a), [copy]]], [row(a)]);
  const copies = q.actions.filter((x) => x.kind === "write" && x.copy);
  assert.deepEqual(copies, []);
  assert.ok(q.actions.some((x) => x.kind === "write" && x.path === conflictCopyPath(a) && !x.copy));
});

Deno.test("a loser whose copy name already holds other content, or a deletion, gets the content-tagged name", () => {
  // A's own losing edit (content 1) and, later, A's merge (content 2) both lost, in one second.
  const own = file("p.txt", A, [[A, 1]], 1, 1000);
  const merged = file("p.txt", A, [[A, 2], [B, 1]], 2, 1000);
  const newer = file("p.txt", B, [[B, 2]], 3, 9000);
  const name = conflictCopyPath(merged);
  assert.equal(name, conflictCopyPath(own), "the collision this is about");
  const madeBefore = file(name, A, [[A, 3]], 1); // own's copy, long made
  const p = plan([["p.txt", [merged, newer]], [name, [madeBefore]]], [row(merged)]);
  const copies = p.actions.filter((x) => x.kind === "write" && x.copy);
  assert.deepEqual(copies.map((x) => x.path), [conflictCopyPath(merged, true)]);
  assert.match(conflictCopyPath(merged, true), /-[A-Z2-7]{7}~[0-9a-f]{8}\.txt$/);
  assert.ok(isConflictCopy(conflictCopyPath(merged, true)));
  const merge = p.actions.find((x) => x.kind === "merge");
  assert.deepEqual(merge?.kind === "merge" && merge.copies, [conflictCopyPath(merged, true)]);
  // The tag names the content: equal content from another merger shares it (one copy).
  const twin = file("p.txt", B, [[A, 2], [B, 1], [B, 3]], 2, 1000);
  assert.equal(conflictCopyPath({ ...twin, modifiedBy: A }, true), conflictCopyPath(merged, true));
  // A deletion under that name (the user removed a copy; whose content is not
  // known): the tagged name, never no copy at all; and once that name exists
  // (made, or deleted too), nothing more.
  const deleted = del(name, A, [[A, 3], [A, 4]]);
  const q = plan([["p.txt", [merged, newer]], [name, [deleted]]], [row(merged)]);
  assert.deepEqual(
    q.actions.filter((x) => x.kind === "write" && x.copy).map((x) => x.path),
    [conflictCopyPath(merged, true)],
  );
  const tagged = del(conflictCopyPath(merged, true), A, [[A, 5]]);
  const r = plan(
    [["p.txt", [merged, newer]], [name, [deleted]], [tagged.path, [tagged]]],
    [row(merged)],
  );
  assert.deepEqual(r.actions.filter((x) => x.kind === "write" && x.copy), []);
});

Deno.test("equal content or a deletion against an edit makes no copy", () => {
  const a = file("x", A, [[A, 1]], 3, 1000), b = file("x", B, [[B, 1]], 3, 2000);
  assert.deepEqual(plan([["x", [a, b]]], [row(a)]).conflicts, []);
  const gone = del("x", A, [[A, 2]]), edit = file("x", B, [[A, 1], [B, 1]], 4);
  const p = plan([["x", [gone, edit]]], []);
  assert.ok(p.actions.every((x) => x.path === "x"), "no copy for a deletion");
  assert.deepEqual(p.actions.map((x) => x.kind), ["write", "merge"]);
});

Deno.test("a deletion concurrent with a touch of what it deleted removes the touched file, copies nothing, and merges as a deletion", () => {
  const v1 = file("x", A, [[A, 1]], 3, 1000);
  const gone = {
    ...del("x", A, [[A, 2]]),
    deletedContent: contentDigest(v1 as RegularFileVersion),
  };
  const touch = file("x", B, [[A, 1], [B, 1]], 3, 9000); // same bytes, new mtime
  // The device that touched it: the file goes (kept as an old version there), then the merge.
  const p = plan([["x", [gone, touch]]], [row(touch)]);
  assert.deepEqual(p.actions.map((x) => [x.kind, x.path]), [["remove", "x"], ["merge", "x"]]);
  const merge = p.actions.find((x) => x.kind === "merge");
  assert.deepEqual(merge?.kind === "merge" && merge.winner, gone);
  // The deleting device: nothing to write, nothing to copy, the merge only.
  const q = plan([["x", [touch, gone]]], []);
  assert.deepEqual(q.actions.map((x) => [x.kind, x.path]), [["merge", "x"]]);
  // A real edit made meanwhile as well: the edit is written, still no copy of the touch.
  const edit = file("x", testDevice(3), [[A, 1], [testDevice(3), 1]], 4, 5000);
  const r = plan([["x", [gone, touch, edit]]], [row(touch)]);
  assert.deepEqual(r.actions.map((x) => [x.kind, x.path]), [["write", "x"], ["merge", "x"]]);
  const w = r.actions[0];
  assert.deepEqual(w.kind === "write" && w.version, edit);
});

Deno.test("a file whose name another path needs as a folder becomes its conflict copy; the folder keeps the name", () => {
  // A edited x (v2) while B deleted x and made x/y: the edit wins over the deletion,
  // and x/y needs x as a folder.
  const v1 = file("x", A, [[A, 1]], 1);
  const edit = file("x", A, [[A, 2]], 2, 2000);
  const gone = del("x", B, [[A, 1], [B, 1]]);
  const inner = file("x/y", B, [[B, 2]], 3);
  const copyPath = conflictCopyPath(edit);
  const state: [string, FileVersion[]][] = [["x", [edit, gone]], ["x/y", [inner]]];

  // On A, which holds the edit: copy it aside, remove x after the writes (late), merge a deletion.
  const onA = plan(state, [row(edit)]);
  assert.deepEqual(onA.actions.map((a) => [a.kind, a.path]), [
    ["write", copyPath],
    ["write", "x/y"],
    ["remove", "x"],
    ["merge", "x"],
  ]);
  const removal = onA.actions.find((a) => a.kind === "remove")!;
  assert.ok(removal.kind === "remove" && removal.late === true);
  const merge = onA.actions.find((a) => a.kind === "merge")!;
  assert.ok(merge.kind === "merge" && merge.winner.kind === "deleted");
  assert.deepEqual(merge.kind === "merge" && merge.copies, [copyPath]);
  assert.deepEqual(onA.conflicts, ["x"]);

  // On B, which holds x/y and no x: the same copy, nothing removed, the same merge.
  const onB = plan(state, [row(inner)]);
  assert.deepEqual(onB.actions.map((a) => [a.kind, a.path]), [
    ["write", copyPath],
    ["merge", "x"],
  ]);

  // Where only one version of x is left and the disk holds it (the common case, not decoded
  // until it stands in the way), the rule is the same.
  const alone = plan([["x", [v1]], ["x/y", [inner]]], [row(v1), row(inner)]);
  assert.deepEqual(alone.actions.map((a) => [a.kind, a.path]), [
    ["write", conflictCopyPath(v1)],
    ["remove", "x"],
    ["merge", "x"],
  ]);

  // Once a device merged (x deleted above every version), nothing is left to do about x.
  const merged = del("x", A, [[A, 2], [B, 1]]);
  const after = plan(
    [["x", [merged]], ["x/y", [inner]], [copyPath, [{ ...edit, path: copyPath }]]],
    [
      row(inner),
      row({ ...edit, path: copyPath }),
    ],
  );
  assert.deepEqual(after.actions, []);
});

Deno.test("the plan is the same whatever order the state's paths come in", () => {
  const edit = file("x", A, [[A, 2]], 2, 2000);
  const gone = del("x", B, [[A, 1], [B, 1]]);
  const inner = file("x/y", B, [[B, 2]], 3);
  const other = file("x.txt", A, [[A, 3]], 4);
  const state: [string, FileVersion[]][] = [["x", [edit, gone]], ["x.txt", [other]], ["x/y", [
    inner,
  ]]];
  const sorted = plan(state, [row(edit)]);
  const shuffled = plan([state[2], state[0], state[1]], [row(edit)]);
  assert.deepEqual(
    shuffled.actions.map((a) => [a.kind, a.path]),
    sorted.actions.map((a) => [a.kind, a.path]),
  );
});
