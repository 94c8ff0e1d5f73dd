/**
 * movedHere (src/sync/moved_here.ts), pure: a scan's rows note a path
 * whose indexed content is now another published path's (a swap, a copy
 * then an edit), and nothing for a path unchanged, one whose content is
 * nowhere else, an empty file, or its own content again.
 */

import assert from "node:assert/strict";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import type { IndexRow } from "../../src/storage/sql_file_index.ts";
import { movedHere } from "../../src/sync/moved_here.ts";
import { fileKey } from "../../src/sync/moved_kept.ts";
import { testDevice } from "../files/helpers.ts";

const BY = testDevice(1);

function row(path: string, hashByte: number, size = 3): IndexRow {
  const v = {
    kind: "file",
    path,
    mtime: 1000,
    modifiedBy: BY,
    vv: new Map([[BY, 1]]),
    size,
    exec: false,
    chunks: {
      inline: size === 0
        ? []
        : [{ hash: hashByte.toString(16).padStart(2, "0").repeat(32), length: size }],
    },
  } as FileVersion;
  return {
    path,
    kind: "file",
    size,
    mtimeMs: 1000,
    ino: 1,
    ctimeMs: 1000,
    exec: false,
    version: encodeFileVersion(v),
  } as IndexRow;
}

Deno.test("movedHere notes each of two swapped files now at the other, with its old size and key", () => {
  const before = new Map([["a.txt", row("a.txt", 1, 3)], ["b.txt", row("b.txt", 2, 5)]]);
  const notes = movedHere(before, [row("a.txt", 2, 5), row("b.txt", 1, 3)], 42);
  assert.deepEqual(notes, [
    { path: "a.txt", kept: 42, size: 3, key: fileKey(before.get("a.txt")!.version), at: "b.txt" },
    { path: "b.txt", kept: 42, size: 5, key: fileKey(before.get("b.txt")!.version), at: "a.txt" },
  ]);
});

Deno.test("movedHere notes nothing for an edit whose old content is nowhere published, an unchanged row, or an empty file", () => {
  const before = new Map([
    ["a.txt", row("a.txt", 1)],
    ["same.txt", row("same.txt", 3)],
    ["empty.txt", row("empty.txt", 0, 0)],
  ]);
  assert.deepEqual(
    movedHere(before, [row("a.txt", 2), row("same.txt", 3), row("empty.txt", 4)], 1),
    [],
  );
  // A copy of a.txt made, then a.txt edited: its old content is at the copy.
  const copied = movedHere(before, [row("copy.txt", 1), row("a.txt", 2)], 1);
  assert.deepEqual(copied.map((n) => [n.path, n.at]), [["a.txt", "copy.txt"]]);
});
