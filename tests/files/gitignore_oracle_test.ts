/**
 * @module gitignore_oracle_test
 * mycel's gitignore matcher against the npm `ignore` package (v7, the
 * matcher mycel used before, kept as the oracle only): random rule files
 * from realistic pieces (names, `*`, `?`, classes, `**`, `/`, `!`, escapes,
 * trailing spaces, comments, CRLF, a BOM) and random files and folders up
 * to depth 6 must get the same answer from both. Rules stay short and
 * paths shallow, so `ignore`'s backtracking never gets slow; a case is
 * skipped only where `ignore` itself throws.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import ignore from "ignore";
import { compileIgnoreRules } from "../../src/files/ignore_rules.ts";

const piece = fc.constantFrom(
  "a",
  "b",
  "c",
  "ab",
  ".",
  "-",
  " ",
  "*",
  "*",
  "?",
  "**",
  "***",
  "[ab]",
  "[!a]",
  "[^b]",
  "[a-c]",
  "[z-a]",
  "[]a]",
  "[\\]]",
  "[[:alpha:]]",
  "[[:digit:]]",
  "[[:foo:]]",
  "[[:]",
  "[/a]",
  "[",
  "]",
  "\\*",
  "\\?",
  "\\[",
  "\\a",
  "\\ ",
  "\\\\",
  "\\/",
  "!",
  "#",
  // What a regular expression or the old matcher's own markers could take
  // for syntax, case, and UTF-16 units alone or in pairs.
  "A",
  "\t",
  "$",
  "^",
  "+",
  "(",
  ")",
  "{",
  "|",
  "é",
  "😀",
  "\uD83D",
  "\uE000",
  "[a-]",
  "[-a]",
  "[!]]",
  "[]-a]",
  "[+-0]",
  "[a-😀]",
  "[[:alpha:]-z]",
  "\\(",
  "\\d",
);
const segment = fc.oneof(
  { weight: 1, arbitrary: fc.constant("**") },
  { weight: 6, arbitrary: fc.array(piece, { minLength: 1, maxLength: 3 }).map((p) => p.join("")) },
);
const rule = fc.record({
  head: fc.constantFrom("", "", "", "", "!", "!", "#", "\\!", "\\#", " "),
  lead: fc.constantFrom("", "", "", "/"),
  segments: fc.array(segment, { minLength: 1, maxLength: 3 }),
  join: fc.constantFrom("/", "/", "/", "/", "//"),
  trail: fc.constantFrom("", "", "", "/"),
  tail: fc.constantFrom("", "", "", "", " ", "  ", "\\ ", "\\  ", "\r", "\\"),
}).map((r) => r.head + r.lead + r.segments.join(r.join) + r.trail + r.tail);
const ruleFile = fc.record({
  bom: fc.constantFrom("", "", "", "\uFEFF"),
  rules: fc.array(rule, { minLength: 1, maxLength: 5 }),
  eol: fc.constantFrom("\n", "\n", "\r\n"),
}).map((f) => f.bom + f.rules.join(f.eol));
const name = fc.constantFrom(
  "a",
  "b",
  "c",
  "ab",
  "ba",
  "aa",
  "abc",
  ".a",
  "a.",
  "a.b",
  "-",
  " ",
  "a b",
  "*",
  "?",
  "[",
  "]",
  "!",
  "#",
  "\\",
  "Z",
  "1",
  "A",
  "$",
  "(",
  "+",
  "é",
  "😀",
  "\uD83D",
  "\uE000",
  "\t",
  "0",
);
const query = fc.record({
  names: fc.array(name, { minLength: 1, maxLength: 6 }),
  dir: fc.boolean(),
});

Deno.test("the matcher answers as the npm ignore package for random rule files and paths", () => {
  let cases = 0;
  let ignored = 0;
  fc.assert(
    fc.property(ruleFile, fc.array(query, { minLength: 1, maxLength: 8 }), (text, queries) => {
      const oracle = ignore({ ignorecase: false, allowRelativePaths: false });
      try {
        oracle.add(text);
        oracle.ignores("x");
      } catch {
        return; // ignore's own failure: nothing to compare with
      }
      const ours = compileIgnoreRules({ shared: text });
      for (const q of queries) {
        const path = q.names.join("/");
        // Asked as a scan would too: a folder before what is in it.
        for (let depth = 1; depth < q.names.length; depth++) {
          const dir = q.names.slice(0, depth).join("/");
          assert.equal(
            ours.isIgnored(dir, true),
            oracle.ignores(`${dir}/`),
            `${JSON.stringify(text)}: ${dir}/`,
          );
        }
        const want = oracle.ignores(q.dir ? `${path}/` : path);
        assert.equal(
          ours.isIgnored(path, q.dir),
          want,
          `${JSON.stringify(text)}: ${path}${q.dir ? "/" : ""}`,
        );
        cases++;
        if (want) ignored++;
      }
    }),
    { numRuns: 3000 },
  );
  assert.ok(cases >= 5000, `${cases} paths compared`);
  assert.ok(ignored >= cases / 20, `both answers are exercised: ${ignored} of ${cases} ignored`);
});
