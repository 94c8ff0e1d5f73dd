/**
 * editToCarry and carryVersions (src/files/moved_carry.ts), pure: the edit
 * of a file moved while edited is carried only while the new path holds
 * exactly the moved content and the old path's files agree; what is
 * published is the edit at the new path above every version there and a
 * deletion of the old path above every version there, naming the edit; two
 * devices carrying at once publish the same content, which planFolder
 * takes as no conflict (no copy, no merge).
 */

import assert from "node:assert/strict";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion, RegularFileVersion } from "../../src/log/file_version.ts";
import { type MovedWhileEdited, movedWhileEdited } from "../../src/files/moved_edited.ts";
import { carryVersions, editToCarry } from "../../src/files/moved_carry.ts";
import { contentDigest } from "../../src/files/version_content.ts";
import { planFolder } from "../../src/files/folder_plan.ts";
import { compareVv } from "../../src/log/version_vector.ts";
import { versionId } from "../../src/log/folder_state.ts";
import { testDevice } from "./helpers.ts";

const A = testDevice(1), B = testDevice(2), C = testDevice(3);

function file(path: string, by: string, vv: [string, number][], hashByte: number, mtime = 1000) {
  return {
    kind: "file",
    path,
    mtime,
    modifiedBy: by,
    vv: new Map(vv),
    size: 3,
    exec: false,
    chunks: { inline: [{ hash: hashByte.toString(16).padStart(2, "0").repeat(32), length: 3 }] },
  } as FileVersion;
}

const digest = (v: FileVersion) => contentDigest(v as RegularFileVersion);

const ORIGINAL = file("notes.txt", A, [[A, 1]], 1);
const MOVED = file("archive/notes.txt", A, [[A, 1]], 1);
const EDIT = file("notes.txt", B, [[A, 1], [B, 1]], 2, 7000);
const DELETION: FileVersion = {
  kind: "deleted",
  path: "notes.txt",
  mtime: 5000,
  modifiedBy: A,
  vv: new Map([[A, 2]]),
  deletedContent: digest(ORIGINAL),
};
const PAIR: MovedWhileEdited = {
  path: "notes.txt",
  movedTo: "archive/notes.txt",
  movedBy: "01".repeat(32),
  editedBy: "02".repeat(32),
  content: digest(ORIGINAL),
};

Deno.test("the edit of a file moved while edited is carried while the new path holds the moved content alone", () => {
  assert.equal(editToCarry(PAIR, [DELETION, EDIT], [MOVED]), EDIT);
  // Two versions of the moved content (devices that wrote it at once): still it.
  const same = file("archive/notes.txt", C, [[C, 1]], 1);
  assert.equal(editToCarry(PAIR, [EDIT, DELETION], [MOVED, same]), EDIT);
});

Deno.test("the edit is not carried when the new path holds other content, or the old path an edit against an edit", () => {
  const other = file("archive/notes.txt", C, [[C, 1]], 9);
  assert.equal(editToCarry(PAIR, [DELETION, EDIT], [MOVED, other]), undefined, "new path changed");
  const second = file("notes.txt", C, [[A, 1], [C, 1]], 8, 6000);
  assert.equal(editToCarry(PAIR, [DELETION, EDIT, second], [MOVED]), undefined, "two edits");
  assert.equal(editToCarry(PAIR, [EDIT], [MOVED]), undefined, "no deletion of the moved content");
});

Deno.test("a carry publishes the edit at the new path above the moved version, and the old path deleted above the edit, naming it", () => {
  const made = carryVersions(
    PAIR,
    EDIT as RegularFileVersion,
    [DELETION, EDIT],
    [
      MOVED,
    ],
    C,
    9000,
  );
  assert.ok(typeof made !== "string");
  assert.equal(made.atNew.path, "archive/notes.txt");
  assert.equal(made.atNew.kind, "file");
  assert.equal(made.atNew.mtime, EDIT.mtime);
  assert.equal(made.atNew.modifiedBy, C);
  assert.equal(compareVv(made.atNew.vv, MOVED.vv), "after");
  assert.equal(made.atOld.kind, "deleted");
  assert.equal(made.atOld.deletedContent, digest(EDIT));
  for (const v of [DELETION, EDIT]) assert.equal(compareVv(made.atOld.vv, v.vv), "after");
});

Deno.test("two devices carrying the same edit at once make no conflict: same content at the new path, deletions at the old", () => {
  const by = (d: string) =>
    carryVersions(PAIR, EDIT as RegularFileVersion, [DELETION, EDIT], [MOVED], d, 9000);
  const [x, y] = [by(A), by(B)];
  assert.ok(typeof x !== "string" && typeof y !== "string");
  const plan = planFolder(
    [
      ["archive/notes.txt", [pv(x.atNew), pv(y.atNew)]],
      ["notes.txt", [pv(x.atOld), pv(y.atOld)]],
    ],
    new Map(),
    versionId,
  );
  assert.deepEqual(plan.conflicts, []);
  assert.deepEqual(plan.actions.map((a) => [a.kind, a.path]), [["write", "archive/notes.txt"]]);
});

const pv = (v: FileVersion) => {
  const bytes = encodeFileVersion(v);
  return { id: versionId(bytes), bytes };
};

Deno.test("a device on an earlier release that merged the conflict meanwhile: the carry's deletion undoes its merge at the old path, no copy", () => {
  const made = carryVersions(PAIR, EDIT as RegularFileVersion, [DELETION, EDIT], [MOVED], B, 9000);
  assert.ok(typeof made !== "string");
  // A release before issue 13 ended the conflict with a merge of the edit's content.
  const merge = { ...EDIT, modifiedBy: C, vv: new Map([[A, 2], [B, 1], [C, 1]]) } as FileVersion;
  const index = new Map([["notes.txt", {
    path: "notes.txt",
    kind: "file" as const,
    size: 3,
    mtimeMs: EDIT.mtime,
    ino: 1,
    ctimeMs: 1,
    exec: false,
    version: encodeFileVersion(merge),
  }]]);
  // What planFolder (which an earlier release runs as well) makes of it there.
  const plan = planFolder(
    [
      ["archive/notes.txt", [pv(made.atNew)]],
      ["notes.txt", [pv(merge), pv(made.atOld)]],
    ],
    index,
    versionId,
  );
  assert.deepEqual(
    plan.actions.map((a) => [a.kind, a.path, a.kind === "write" && a.copy]),
    [["write", "archive/notes.txt", false], ["remove", "notes.txt", false], [
      "merge",
      "notes.txt",
      false,
    ]],
  );
  assert.ok(!plan.actions.some((a) => a.path.includes("sync-conflict")));
});

Deno.test("a carry raced by a further move of the new path: the carried edit wins there and is a move while edited again, carried on", () => {
  const made = carryVersions(PAIR, EDIT as RegularFileVersion, [DELETION, EDIT], [MOVED], B, 9000);
  assert.ok(typeof made !== "string");
  // a, not seeing the carry, moves archive/notes.txt (content C) on to old/notes.txt.
  const again: FileVersion = {
    kind: "deleted",
    path: "archive/notes.txt",
    mtime: 9500,
    modifiedBy: A,
    vv: new Map([[A, 2]]),
    deletedContent: digest(MOVED),
  };
  const last = file("old/notes.txt", A, [[A, 1]], 1);
  const AHEX = "01".repeat(32), BHEX = "02".repeat(32);
  const row = (v: FileVersion, author: string, seq: number) => ({
    bytes: encodeFileVersion(v),
    author,
    seq,
  });
  const moved = movedWhileEdited(() => [
    ["archive/notes.txt", [row(made.atNew, BHEX, 9), row(again, AHEX, 8)]],
    ["notes.txt", [row(made.atOld, BHEX, 9)]],
    ["old/notes.txt", [row(last, AHEX, 8)]],
  ]);
  assert.deepEqual(moved.map((m) => [m.path, m.movedTo]), [["archive/notes.txt", "old/notes.txt"]]);
  assert.equal(editToCarry(moved[0], [made.atNew, again], [last]), made.atNew);
});
