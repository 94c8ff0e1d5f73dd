/**
 * @module paths_test
 * Paths from peers: every way out of the folder or into mycel's own files
 * is refused with `bad_path` (message naming the reason and the escaped
 * path); unportable names and case-only clashes are found, not changed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { checkRelativePath, relativePathProblem, showPath } from "../../src/files/paths.ts";
import { loggedPathProblem, MAX_NAME_BYTES, MAX_PATH_BYTES } from "../../src/log/logged_path.ts";
import { findCaseCollisions, portabilityProblems } from "../../src/files/path_portability.ts";
import { assertMycelError } from "../helpers/assert.ts";

Deno.test("ordinary relative paths pass unchanged", () => {
  for (
    const p of [
      "a",
      "a/b/c.txt",
      ".bashrc",
      "dir/.hidden/x",
      "CON",
      "a:b",
      "名前/ファイル",
      "...",
      "a..b",
    ]
  ) {
    assert.equal(checkRelativePath(p), p);
  }
  assert.equal(checkRelativePath(".mycelignore"), ".mycelignore", "the shared ignore file syncs");
});

Deno.test("checkRelativePath() refuses escapes, oddities and mycel internals with bad_path", () => {
  const refused: [unknown, RegExp][] = [
    ["", /empty/],
    [42, /empty/],
    ["/etc/passwd", /absolute/],
    ["../x", /\. or \.\. segment/],
    ["a/../../x", /\. or \.\. segment/],
    ["a/./b", /\. or \.\. segment/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    ["a\\..\\b", /backslash/],
    ["a\0b", /control character/],
    ["a\nb", /control character/],
    ["a\u009bb", /control character/],
    ["a\ud800b", /not valid Unicode/],
    [".mycel/versions/x", /mycel's own/],
    [".mycel", /mycel's own/],
    [".mycel-folder", /mycel's own/],
    ["d/.mycel-tmp-abc-x", /mycel's own/],
    // One file on a file system that ignores case (macOS, Windows, exFAT).
    [".MYCEL/ignore", /mycel's own/],
    [".Mycel-Folder", /mycel's own/],
    ["d/.MYCEL-TMP-hold-abc/x", /mycel's own/],
    ["x".repeat(MAX_NAME_BYTES + 1), /longer than 255 bytes/],
    [("a".repeat(200) + "/").repeat(21) + "a", /longer than 4096 bytes/],
  ];
  for (const [p, reason] of refused) {
    const e = assertMycelError(() => checkRelativePath(p), "bad_path", JSON.stringify(p));
    assert.match(e.message, reason);
    assert.ok(!/[\0\n\u009b]/.test(e.message), "the path is shown escaped");
  }
  assert.equal(checkRelativePath("é".repeat(127)), "é".repeat(127), "254 bytes is fine");
  assert.ok(MAX_PATH_BYTES === 4096);
});

Deno.test("property: an accepted path never climbs out nor is absolute", () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom("a", ".", "/", "\\", "\0", "é", "-") }), (p) => {
      let ok: string;
      try {
        ok = checkRelativePath(p);
      } catch {
        return;
      }
      assert.ok(!ok.startsWith("/"));
      assert.ok(ok.split("/").every((s) => s !== "" && s !== "." && s !== ".."));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("portabilityProblems() names Windows and macOS trouble per segment", () => {
  const reasons = (p: string) => portabilityProblems(p).map((x) => `${x.system}:${x.name}`);
  assert.deepEqual(reasons("docs/CON"), ["windows:CON"]);
  assert.deepEqual(reasons("aux.txt"), ["windows:aux.txt"]);
  assert.deepEqual(reasons("lpt¹"), ["windows:lpt¹"]);
  assert.deepEqual(reasons("ok/name."), ["windows:name."]);
  assert.deepEqual(reasons("trailing "), ["windows:trailing "]);
  assert.deepEqual(reasons("a:b"), ["windows:a:b", "macos:a:b"]);
  assert.deepEqual(reasons("what?.txt"), ["windows:what?.txt"]);
  assert.deepEqual(reasons("cafe\u0301"), ["macos:cafe\u0301"]);
  assert.deepEqual(reasons("console/connect.txt"), []);
  assert.deepEqual(reasons("plain/file.txt"), []);
});

Deno.test("findCaseCollisions() reports paths and folders differing only in case or normalization", () => {
  assert.deepEqual(findCaseCollisions(["a.txt", "A.txt", "b.txt"]), [["A.txt", "a.txt"]]);
  assert.deepEqual(
    findCaseCollisions(["Docs/x", "docs/y", "docs/x"]),
    [["Docs", "docs"]],
    "clashing folders once, not every file below",
  );
  assert.deepEqual(findCaseCollisions(["caf\u00e9", "cafe\u0301"]), [["cafe\u0301", "caf\u00e9"]]);
  assert.deepEqual(findCaseCollisions(["a/b", "a/c", "A1"]), []);
});

Deno.test("showPath() escapes controls and bidirectional overrides for messages", () => {
  assert.equal(showPath("a\u202eb\u009b\n"), '"a\\u202eb\\u009b\\n"');
  assert.equal(showPath("plain é"), '"plain é"');
});

Deno.test("entries keep the rule they always had: only mycel's own names as spelled are refused there", () => {
  // Refusing more at ingest would stop the chains of devices that published such paths.
  assert.match(loggedPathProblem(".mycel/ignore") ?? "", /mycel's own/);
  assert.match(loggedPathProblem("d/.mycel-tmp-abc-x") ?? "", /mycel's own/);
  assert.equal(loggedPathProblem(".MYCEL/ignore"), undefined);
  assert.equal(loggedPathProblem("d/.mycel-tmp-hold-abc/x"), undefined);
  assert.match(relativePathProblem(".MYCEL/ignore") ?? "", /mycel's own/);
  assert.match(relativePathProblem("d/.mycel-tmp-hold-abc/x") ?? "", /mycel's own/);
});
