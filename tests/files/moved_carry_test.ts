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
import type { MovedWhileEdited } from "../../src/files/moved_edited.ts";
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
  const pv = (v: FileVersion) => {
    const bytes = encodeFileVersion(v);
    return { id: versionId(bytes), bytes };
  };
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
