/**
 * movedWhileEdited (src/files/moved_edited.ts), pure: a deletion an edit won
 * over is a move when the entry that carried it published the deleted
 * content at another path; a plain deletion, a copy published by another
 * entry, another device's version of that content, an empty file, or a
 * deletion that won (a touch undone) are not. And planFolder leaves such a
 * conflict open (no merge version) while it ends an ordinary one.
 */

import assert from "node:assert/strict";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import { type DottedVersion, keepOpen, movedWhileEdited } from "../../src/files/moved_edited.ts";
import { contentDigest } from "../../src/files/version_content.ts";
import { planFolder } from "../../src/files/folder_plan.ts";
import { versionId } from "../../src/log/folder_state.ts";
import { testDevice } from "./helpers.ts";

const A = testDevice(1), B = testDevice(2);
const AHEX = "01".repeat(32), BHEX = "02".repeat(32);

function file(path: string, by: string, vv: [string, number][], hashByte: number, size = 3) {
  return {
    kind: "file",
    path,
    mtime: 1000,
    modifiedBy: by,
    vv: new Map(vv),
    size,
    exec: false,
    chunks: size === 0
      ? { inline: [] }
      : { inline: [{ hash: hashByte.toString(16).padStart(2, "0").repeat(32), length: size }] },
  } as FileVersion;
}

function deletionOf(v: FileVersion, by: string, vv: [string, number][]): FileVersion {
  if (v.kind === "deleted") throw new Error("a file");
  return {
    kind: "deleted",
    path: v.path,
    mtime: 5000,
    modifiedBy: by,
    vv: new Map(vv),
    deletedContent: contentDigest(v),
  };
}

/** A row of the state: the version and the entry (author hex, seq) that carried it. */
const at = (v: FileVersion, author: string, seq: number): DottedVersion => ({
  bytes: encodeFileVersion(v),
  author,
  seq,
});

const ORIGINAL = file("notes.txt", A, [[A, 1]], 1);
const EDIT = file("notes.txt", B, [[A, 1], [B, 1]], 2);
const DELETION = deletionOf(ORIGINAL, A, [[A, 2]]);

Deno.test("a deletion an edit won over, whose entry put the deleted content at another path, is a move", () => {
  const moved = movedWhileEdited(() => [
    ["archive/notes.txt", [at(file("archive/notes.txt", A, [[A, 1]], 1), AHEX, 7)]],
    ["notes.txt", [at(DELETION, AHEX, 7), at(EDIT, BHEX, 3)]],
  ]);
  assert.deepEqual(moved, [{
    path: "notes.txt",
    movedTo: "archive/notes.txt",
    movedBy: AHEX,
    editedBy: BHEX,
    content: (DELETION as { deletedContent?: string }).deletedContent,
  }]);
});

Deno.test("a deletion an edit won over is not a move when no version of its entry holds the deleted content elsewhere", () => {
  const cases: [string, string, DottedVersion][] = [
    [
      "a plain deletion, another file in the same entry",
      "new.txt",
      at(file("new.txt", A, [[A, 1]], 9), AHEX, 7),
    ],
    [
      "a copy published by an earlier entry",
      "copy.txt",
      at(file("copy.txt", A, [[A, 1]], 1), AHEX, 6),
    ],
    [
      "the content published by another device",
      "copy.txt",
      at(file("copy.txt", B, [[B, 1]], 1), BHEX, 7),
    ],
  ];
  for (const [what, path, other] of cases) {
    const moved = movedWhileEdited(() => [
      [path, [other]],
      ["notes.txt", [at(DELETION, AHEX, 7), at(EDIT, BHEX, 3)]],
    ]);
    assert.deepEqual(moved, [], what);
  }
  // An empty file's content is everywhere: its deletion and a new empty file are no move.
  const empty = file("e.txt", A, [[A, 1]], 0, 0);
  assert.deepEqual(
    movedWhileEdited(() => [
      ["e.txt", [
        at(deletionOf(empty, A, [[A, 2]]), AHEX, 7),
        at(file("e.txt", B, [[A, 1], [B, 1]], 3), BHEX, 3),
      ]],
      ["f.txt", [at(file("f.txt", A, [[A, 1]], 0, 0), AHEX, 7)]],
    ]),
    [],
  );
  // A touch (same content) loses to the deletion: nothing came back, no move to tell.
  const touch = { ...ORIGINAL, modifiedBy: B, mtime: 9000, vv: new Map([[A, 1], [B, 1]]) };
  assert.deepEqual(
    movedWhileEdited(() => [
      ["archive/notes.txt", [at(file("archive/notes.txt", A, [[A, 1]], 1), AHEX, 7)]],
      ["notes.txt", [at(DELETION, AHEX, 7), at(touch, BHEX, 3)]],
    ]),
    [],
  );
});

Deno.test("keepOpen leaves a moved-while-edited conflict open; planFolder ends an ordinary one with a merge", () => {
  const pv = (v: FileVersion) => {
    const bytes = encodeFileVersion(v);
    return { id: versionId(bytes), bytes };
  };
  const state = (): [string, { id: string; bytes: Uint8Array }[]][] => [
    ["notes.txt", [pv(DELETION), pv(EDIT)]],
  ];
  const row = {
    path: "notes.txt",
    kind: "file" as const,
    size: 3,
    mtimeMs: EDIT.mtime,
    ino: 1,
    ctimeMs: 1,
    exec: false,
    version: encodeFileVersion(EDIT),
  };
  const index = new Map([["notes.txt", row]]);
  const ordinary = planFolder(state(), index, versionId);
  assert.deepEqual(ordinary.conflicts, ["notes.txt"]);
  assert.deepEqual(ordinary.actions.map((a) => a.kind), ["merge"]);
  const open = keepOpen(planFolder(state(), index, versionId), new Set(["notes.txt"]));
  assert.deepEqual(open.conflicts, ["notes.txt"], "still counted as a conflict");
  assert.deepEqual(open.actions, []);
});

Deno.test("an old path a present path below needs as a folder is not a move: the plan gives the name to the folder, as this device's plan sees it", () => {
  const state = (under: FileVersion) => () =>
    [
      ["notes.txt", [at(DELETION, AHEX, 7), at(EDIT, BHEX, 3)]],
      ["notes.txt/notes.txt", [at(under, AHEX, 7)]],
    ] as [string, DottedVersion[]][];
  const inside = file("notes.txt/notes.txt", A, [[A, 1]], 1);
  // From the state alone (folder status, folder conflicts): not reported.
  assert.deepEqual(movedWhileEdited(state(inside)), []);
  // The apply passes what its plan gives up as a folder's name: a plan that
  // ignores notes.txt/… does not, and holds the conflict open until the
  // deletion another device's plan publishes ends it.
  assert.deepEqual(movedWhileEdited(state(inside), undefined, new Set(["notes.txt"])), []);
  assert.equal(movedWhileEdited(state(inside), undefined, new Set()).length, 1);
});
