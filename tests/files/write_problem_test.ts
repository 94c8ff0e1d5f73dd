/**
 * Reasons for paths not written here stay the same from round to round: the
 * OS's paths (a random temporary name among them) are dropped, and a path
 * too long for where the folder lies is found before any write.
 */

import assert from "node:assert/strict";
import {
  MAX_ABSOLUTE_PATH_BYTES,
  pathTooLongHere,
  withoutOsPaths,
  writeReason,
} from "../../src/files/write_problem.ts";

Deno.test("an OS error's paths are dropped from the reason, the rest is kept", () => {
  assert.equal(
    withoutOsPaths("File name too long (os error 36): open '/f/.mycel-tmp-3fa9c0d1e2f3-x'"),
    "File name too long (os error 36)",
  );
  assert.equal(
    withoutOsPaths("No such file or directory (os error 2): rename '/f/a b' -> '/f/it's'"),
    "No such file or directory (os error 2)",
  );
  assert.equal(withoutOsPaths("the disk is full (/f)"), "the disk is full (/f)");
  const e = new Error("Is a directory (os error 21): open '/f/.mycel-tmp-0011223344aa-x'");
  assert.equal(writeReason("/f", "x", e), "Is a directory (os error 21)");
  assert.equal(writeReason("/f", "x", e), writeReason("/f", "x", new Error(e.message)));
});

Deno.test("a path is too long here when the folder's location and its longest name exceed PATH_MAX", () => {
  const root = "/r";
  const fits = "a".repeat(MAX_ABSOLUTE_PATH_BYTES - root.length - 1 - 200) + "/" + "b".repeat(199);
  assert.equal(pathTooLongHere(root, fits), undefined);
  assert.match(
    pathTooLongHere(`${root}xx`, fits) ?? "",
    /too long where the folder lies on this device \(4097 bytes .*at most 4095\)/,
  );
  // A short name is written through a longer temporary name: that one counts.
  const short = "a".repeat(MAX_ABSOLUTE_PATH_BYTES - root.length - 1 - 2) + "/b";
  assert.match(pathTooLongHere(root, short) ?? "", /too long/);
  // Bytes, not UTF-16 units.
  const wide = "é".repeat(1100) + "/c.txt"; // 2,200 bytes
  assert.equal(pathTooLongHere(root, wide), undefined);
  assert.match(pathTooLongHere("/" + "r".repeat(1900), wide) ?? "", /too long/);
});
