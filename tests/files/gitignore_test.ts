/**
 * @module gitignore_test
 * mycel's gitignore matcher, piece by piece: rule lines (comments, `!`,
 * trailing spaces, escapes, BOM, CRLF), patterns (anchors, `**`, trailing
 * `/`), bracket expressions, name globs, and the rule set's "last match
 * wins, nothing under an ignored folder comes back". The differential check
 * against the npm `ignore` package is gitignore_oracle_test.ts.
 */

import assert from "node:assert/strict";
import { classHas, readClass } from "../../src/files/gitignore_class.ts";
import { globMatches, nameGlob } from "../../src/files/gitignore_glob.ts";
import { readRuleLines } from "../../src/files/gitignore_lines.ts";
import { compilePattern } from "../../src/files/gitignore_pattern.ts";
import { GitignoreSet } from "../../src/files/gitignore_set.ts";

function rules(text: string): GitignoreSet {
  return new GitignoreSet(
    readRuleLines(text).map((l) => ({ negative: l.negative, pattern: compilePattern(l.body) })),
  );
}

/** Assert which of `paths` (a trailing `/`: a folder) the rules ignore. */
function expect(text: string, ignored: string[], kept: string[]): void {
  for (const [list, want] of [[ignored, true], [kept, false]] as const) {
    for (const p of list) {
      const dir = p.endsWith("/");
      assert.equal(
        rules(text).ignores(dir ? p.slice(0, -1) : p, dir),
        want,
        `${JSON.stringify(text)} ${p}`,
      );
    }
  }
}

Deno.test("rule lines: comments, blanks, negation, trailing spaces, leading escapes, BOM and CRLF", () => {
  const lines = readRuleLines("\uFEFF#c\n\n!a\r\nb  \nc\\ \n\\#d\n\\!e\nf\\\n \n!\n#x\r");
  assert.deepEqual(lines.map((l) => [l.negative, l.body]), [
    [true, "a"],
    [false, "b"],
    [false, "c "],
    [false, "#d"],
    [false, "!e"],
  ]);
  assert.deepEqual(readRuleLines("a\r\r\nb").map((l) => l.body), ["a\r", "b"], "only one CR goes");
  assert.deepEqual(
    readRuleLines("a\\\\\\  ").map((l) => l.body),
    ["a\\\\ "],
    "an odd run quotes the space",
  );
  assert.deepEqual(
    readRuleLines("x\n\uFEFFa").map((l) => l.body),
    ["x", "\uFEFFa"],
    "a BOM counts only first",
  );
});

Deno.test("bracket expressions: ranges, negation, POSIX classes, a leading ], never a /", () => {
  const cls = (text: string) => readClass(text, 0)?.cls;
  const has = (text: string, ch: string) => classHas(cls(text)!, ch.charCodeAt(0));
  assert.ok(has("[a-c]", "b") && !has("[a-c]", "d"));
  assert.ok(has("[!a-c]", "d") && !has("[^a-c]", "a"));
  assert.ok(has("[]a]", "]") && has("[]a]", "a"));
  assert.ok(has("[z-a]", "z") && !has("[z-a]", "m"), "a backward range keeps its first end");
  assert.ok(has("[[:alpha:]]", "Q") && !has("[[:alpha:]]", "1") && !has("[[:alpha:]]", "é"));
  assert.ok(has("[[:punct:]]", "!") && !has("[[:punct:]]", "/"));
  assert.ok(has("[[:]", ":") && has("[[:]", "["), "no :] ahead: a plain [");
  assert.ok(!has("[!a]", "/") && !has("[/a]", "/"), "never a /");
  assert.ok(has("[\\]]", "]"));
  for (const broken of ["[", "[a", "[]", "[!]", "[[:nope:]]", "[[:alpha:"]) {
    assert.equal(readClass(broken, 0), null, broken);
  }
});

Deno.test("patterns: anchors, globstars, trailing slash and what can never match", () => {
  assert.equal(compilePattern("a/b")?.rooted, true, "a middle / anchors");
  assert.equal(compilePattern("/a")?.rooted, true);
  assert.equal(compilePattern("a/")?.rooted, false, "a trailing / alone does not");
  assert.equal(compilePattern("**/a/b")?.rooted, false, "a leading **/ floats");
  assert.equal(compilePattern("/**/a")?.rooted, false);
  assert.equal(compilePattern("a/")?.end, "dir");
  assert.equal(compilePattern("a/**")?.end, "open");
  for (const never of ["a\\/", "[a", "x[[:nope:]]y"]) {
    assert.equal(compilePattern(never), null, never);
  }
});

Deno.test("name globs: stars, ? and classes, one character at a time, * never across /", () => {
  const m = (pattern: string, name: string) => {
    const p = compilePattern(pattern)!;
    return globMatches(nameGlob(p.atoms), name, 0, name.length);
  };
  assert.ok(m("*.log", "a.log") && m("*.log", ".log") && !m("*.log", "a.logx"));
  assert.ok(m("a*b*c", "abc") && m("a*b*c", "aXbYbZc") && !m("a*b*c", "acb"));
  assert.ok(m("?", "x") && !m("?", "xy") && !m("??", "\u{1F600}".slice(0, 1)));
  assert.ok(m("??", "\u{1F600}"), "UTF-16 units, as the old regular expressions saw them");
  assert.ok(m("\\*", "*") && !m("\\*", "a"));
  assert.ok(m("[ab]x*", "bxyz") && !m("[ab]x*", "cx"));
  assert.ok(!m("*a*a*a*a*a*a*a*a*b", "a".repeat(255)));
});

Deno.test("rules: names at any depth, anchors, folders only, globstars", () => {
  expect("*.log", ["a.log", "x/y/a.log", "d.log/"], ["a.logs"]);
  expect("build/", ["build/", "a/build/", "build/x", "a/build/y/z"], ["build", "a/build"]);
  expect("/top", ["top", "top/", "top/x"], ["a/top"]);
  expect("a/b", ["a/b", "a/b/", "a/b/c"], ["x/a/b", "a/bc"]);
  expect("**/cache", ["cache", "x/y/cache/", "x/cache/z"], ["cachex"]);
  expect("a/**/b", ["a/b", "a/x/b", "a/x/y/b/", "a/x/b/z"], ["b", "x/a/b", "a/bb"]);
  expect("a/**", ["a/x", "a/x/y", "a/x/"], ["a", "a/"]);
  expect("a/**/", ["a/x/", "a/x/y/", "a/x/y"], ["a/", "a/x"]);
  expect("a/*", ["a/x", "a/x/", "a/x/y"], ["a/", "a"]);
  expect("**/", ["x/", "x/y"], ["x"]);
  expect("**", ["x", "x/", "x/y"], []);
  expect("a***b", ["ab", "aXXb"], ["a/b"]);
});

Deno.test("rules: the last match wins, and nothing under an ignored folder comes back", () => {
  expect("*.log\n!keep.log", ["a.log"], ["keep.log", "x/keep.log"]);
  expect("!keep.log\n*.log", ["keep.log"], []);
  expect("out/\n!out/keep.txt", ["out/", "out/keep.txt"], []);
  expect("out/*\n!out/keep.txt", ["out/a"], ["out/keep.txt", "out/"]);
  expect("x/\n!x/", [], ["x/", "x/y"]);
});
