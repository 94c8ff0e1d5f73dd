/**
 * @module folder_version_test
 * A folder's version (docs/folders.md "Empty folders"): a deletion naming
 * the folder mark, so its bytes are a form every release since
 * `deletedContent` decodes — as a deletion, which its plan (unchanged here)
 * takes as nothing to do; and between concurrent versions a folder beats a
 * plain deletion and loses to a file.
 */

import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../../src/bytes.ts";
import { winnerOf } from "../../src/files/conflict.ts";
import { planFolder } from "../../src/files/folder_plan.ts";
import { decodeFileVersion, encodeFileVersion } from "../../src/log/file_version_codec.ts";
import {
  DIRECTORY_MARK,
  type FileVersion,
  isDirectoryVersion,
} from "../../src/log/file_version.ts";
import { versionId } from "../../src/log/folder_state.ts";
import { fileVersion, testDevice } from "./helpers.ts";

const A = testDevice(1), B = testDevice(2);

const folder = (path: string, by: string, vv: [string, number][], mtime = 1000): FileVersion => ({
  kind: "deleted",
  path,
  mtime,
  modifiedBy: by,
  vv: new Map(vv),
  deletedContent: DIRECTORY_MARK,
});

const deletion = (path: string, by: string, vv: [string, number][], mtime = 1000): FileVersion => ({
  kind: "deleted",
  path,
  mtime,
  modifiedBy: by,
  vv: new Map(vv),
});

Deno.test('the folder mark is SHA-256 of "mycel:directory", and a folder\'s version is a deletion naming it', () => {
  assert.equal(DIRECTORY_MARK, toHex(sha256(utf8("mycel:directory"))));
  const v = folder("Projects/new/notes", A, [[A, 1]]);
  const bytes = encodeFileVersion(v);
  const back = decodeFileVersion(bytes);
  assert.equal(back.kind, "deleted");
  assert.ok(isDirectoryVersion(back));
  assert.deepEqual(encodeFileVersion(back), bytes);
  assert.equal(isDirectoryVersion(deletion("x", A, [[A, 1]])), false);
});

Deno.test("a folder's version beats a concurrent plain deletion in any order, and loses to a file", () => {
  // The deletion is newer: still the folder (a removal racing the folder's making keeps it).
  const made = folder("d", A, [[A, 1]], 1000);
  const gone = deletion("d", B, [[B, 1]], 9000);
  assert.equal(winnerOf([made, gone]), made);
  assert.equal(winnerOf([gone, made]), made);
  const f = { ...fileVersion("d", B, 500), vv: new Map([[B, 2]]) };
  assert.equal(winnerOf([made, f]), f);
  assert.equal(winnerOf([f, made, gone]), f);
});

Deno.test("the plan, an earlier release's too, does nothing for a folder's version, and removes a file it supersedes", () => {
  const pv = (v: FileVersion) => {
    const bytes = encodeFileVersion(v);
    return { id: versionId(bytes), bytes };
  };
  const made = folder("d", A, [[A, 2]]);
  const none = planFolder([["d", [pv(made)]]], new Map(), versionId);
  assert.deepEqual(none.actions, []);
  const f = fileVersion("d", A, 500);
  const held = {
    path: "d",
    kind: "file" as const,
    size: 10,
    mtimeMs: 500,
    ino: 1,
    ctimeMs: 1,
    exec: false,
    version: encodeFileVersion(f),
  };
  const p = planFolder([["d", [pv(made)]]], new Map([["d", held]]), versionId);
  assert.deepEqual(p.actions.map((a) => [a.kind, a.path]), [["remove", "d"]]);
});
