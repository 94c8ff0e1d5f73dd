/**
 * src/posix_path.ts gives what `node:path` gives (`resolve`, `dirname`) on
 * random POSIX paths: the home guard uses it in place of `node:path`, which
 * costs every command start-up time.
 */

import assert from "node:assert/strict";
import { posix } from "node:path";
import fc from "fast-check";
import { parentPath, resolvePath } from "../src/posix_path.ts";

const part = fc.constantFrom("", ".", "..", "a", "b", "é", "x y", "...", ".hidden", "//");
const path = fc.array(part, { maxLength: 8 }).chain((parts) =>
  fc.boolean().map((abs) => (abs ? "/" : "") + parts.join("/"))
);

Deno.test("resolvePath equals node's path.resolve against an absolute working folder", () => {
  fc.assert(
    fc.property(path, path, (p, c) => {
      const cwd = posix.resolve("/", c);
      assert.equal(resolvePath(p, cwd), posix.resolve(cwd, p));
    }),
    { numRuns: 5_000 },
  );
  assert.equal(resolvePath("", "/home/u"), "/home/u");
  assert.equal(resolvePath("../..", "/a"), "/");
});

Deno.test("parentPath equals node's path.dirname", () => {
  fc.assert(
    fc.property(path, (p) => assert.equal(parentPath(p), posix.dirname(p))),
    { numRuns: 5_000 },
  );
  for (const p of ["/", "//", "///", "/a", "/a/", "a", "a/b//", "//a", "", "."]) {
    assert.equal(parentPath(p), posix.dirname(p), p);
  }
});
