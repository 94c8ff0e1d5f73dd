/**
 * @module ignore_test
 * Ignore rules: `.mycelignore` (gitignore syntax, synced), `.mycel/ignore`
 * (local, read after it, may un-ignore), mycel internals always ignored,
 * case-sensitive matching, bad ignore files stop with a named error, and
 * rules a hostile member syncs cost bounded time a path (limits included).
 */

import assert from "node:assert/strict";
import {
  compileIgnoreRules,
  loadIgnoreRules,
  MAX_IGNORE_RULES,
  MAX_PATTERN_CHARS,
} from "../../src/files/ignore_rules.ts";
import { TEMP_PATTERN } from "../../src/files/folder_layout.ts";
import { MemoryFileIndex } from "../../src/files/file_index.ts";
import { scanFolder } from "../../src/files/scan.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { TEST_PARAMS, TEST_SEED, testFolder } from "./helpers.ts";

Deno.test("gitignore syntax: folders, globs, anchors, negation", () => {
  const r = compileIgnoreRules({
    shared: "build/\n*.log\n!keep.log\n/top.txt\n**/cache/**\n# comment\n",
  });
  assert.ok(r.isIgnored("build", true));
  assert.ok(r.isIgnored("build/out.o", false));
  assert.ok(r.isIgnored("src/build/x", false));
  assert.ok(!r.isIgnored("build", false), "build/ matches folders only");
  assert.ok(r.isIgnored("a/b.log", false));
  assert.ok(!r.isIgnored("keep.log", false));
  assert.ok(r.isIgnored("top.txt", false));
  assert.ok(!r.isIgnored("sub/top.txt", false), "a leading / anchors at the root");
  assert.ok(r.isIgnored("x/cache/y", false));
  assert.ok(!r.isIgnored("# comment", false));
});

Deno.test("matching is case-sensitive on every device", () => {
  const r = compileIgnoreRules({ shared: "*.jpg\n" });
  assert.ok(r.isIgnored("a.jpg", false));
  assert.ok(!r.isIgnored("a.JPG", false));
});

Deno.test("local additions apply after the shared file and can un-ignore on this device", () => {
  const r = compileIgnoreRules({ shared: "*.iso\n", local: "secret/\n!big.iso\n" });
  assert.ok(r.isIgnored("secret", true));
  assert.ok(r.isIgnored("other.iso", false));
  assert.ok(!r.isIgnored("big.iso", false));
});

Deno.test("mycel internals are always ignored, whatever the rules say", () => {
  const r = compileIgnoreRules({ shared: "!.mycel/\n!.mycel-folder\n!*\n" });
  for (
    const [p, dir] of [[".mycel", true], [".mycel/versions/a", false], [".mycel-folder", false], [
      "d/.mycel-tmp-1-x",
      false,
    ]] as const
  ) {
    assert.ok(r.isIgnored(p, dir), p);
  }
  assert.ok(!r.isIgnored(".mycelignore", false), "the ignore file itself syncs");
  assert.equal(TEMP_PATTERN, ".mycel-tmp-*");
});

Deno.test("loadIgnoreRules() reads both files; missing files mean no rules", async () => {
  await using f = await testFolder();
  assert.ok(!(await loadIgnoreRules(f.root)).isIgnored("a.tmp", false));
  await f.write(".mycelignore", "*.tmp\n");
  await f.write(".mycel/ignore", "local-only/\n");
  const r = await loadIgnoreRules(f.root);
  assert.ok(r.isIgnored("a.tmp", false));
  assert.ok(r.isIgnored("local-only", true));
});

Deno.test("an ignore file that is not UTF-8 text, too big, a folder or a link stops with bad_ignore_file, saying which", async () => {
  await using f = await testFolder();
  const why = async (pattern: RegExp) => {
    const e = await assertRejectsMycel(() => loadIgnoreRules(f.root), "bad_ignore_file");
    assert.match(e.message, pattern);
    assert.ok(e.hint, "with a hint");
  };
  await f.write(".mycelignore", new Uint8Array([0xff, 0xfe, 0x00]));
  await why(/is not UTF-8 text/);
  await f.write(".mycelignore", "x".repeat((1 << 20) + 1));
  await why(/is larger than 1 MiB/);
  await Deno.remove(f.abs(".mycelignore"));
  await Deno.mkdir(f.abs(".mycelignore"));
  await why(/is a folder, not a file/);
  await Deno.remove(f.abs(".mycelignore"));
  await f.write("rules.txt", "*.tmp\n");
  await Deno.symlink("rules.txt", f.abs(".mycelignore"));
  await why(/is a symbolic link \(never followed\), not a file/);
});

/** Milliseconds one call of `f` takes. */
function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

Deno.test("hostile rules from a synced .mycelignore answer each path in well under a second (the old regular expressions took 2 s to minutes)", () => {
  const deep = (n: number, last: string) => [...Array(n).fill("a"), last].join("/");
  const cases: [string, string, boolean][] = [
    // [rules, path, ignored]; the first took ~40 s a path before.
    [`${Array(12).fill("a").join("/**/")}/**/b`, deep(35, "c.txt"), false],
    [`${Array(12).fill("a").join("/**/")}/**/b`, deep(35, "b"), true],
    ["a/**/a/**/b", deep(999, "c.txt"), false],
    ["a/**/a/**/a/**/b", deep(299, "c.txt"), false],
    ["a/**/a/**/a/**/b", deep(2046, "c"), false],
    ["*a*a*a*a*a*a*a*a*b", "a".repeat(255), false],
    ["*a*a*a*a*a*a*a*a*b", `x/${"a".repeat(254)}b`, true],
  ];
  for (const [text, path, ignored] of cases) {
    const r = compileIgnoreRules({ shared: text });
    let got = false;
    const ms = timed(() => got = r.isIgnored(path, false));
    assert.equal(got, ignored, `${text} ${path.length}`);
    assert.ok(ms < 1000, `${text} against a ${path.length}-character path: ${ms.toFixed(0)} ms`);
  }
});

Deno.test("a scan down a path 1,200 folders deep under rules at the character limit costs about one path, not one per folder (before: ~11 s)", async () => {
  await using f = await testFolder();
  // 1,638 `/**/` (8,191 characters, under the limit): every folder on the
  // way down was matched from the root again, each costing the whole path.
  const shared = `${"a/**/".repeat(1638)}b`;
  assert.ok(shared.length <= MAX_PATTERN_CHARS);
  const local = "**/x/**";
  const deep = Array(1200).fill("a").join("/");
  await f.write(".mycelignore", shared);
  await f.write(".mycel/ignore", local);
  await f.write(`${deep}/c.txt`, "kept\n");
  await f.write(`${deep}/b`, "not 1,638 folders deep: kept\n");
  await f.write(`${deep}/x/z`, "inside x: ignored\n");
  await f.write(`${deep}/y/keep`, "kept\n");
  const t0 = performance.now();
  const r = await scanFolder(f.root, new MemoryFileIndex(), {
    params: TEST_PARAMS,
    seed: TEST_SEED,
  });
  const ms = performance.now() - t0;
  const found = r.changed.map((c) => c.path).filter((p) => p.startsWith("a/")).sort();
  assert.deepEqual(found, [`${deep}/b`, `${deep}/c.txt`, `${deep}/y/keep`]);
  // About 1 s on a loaded 2-core machine (walking 1,200 folders is most of
  // it); ~11 s before. The margin is for the suite's parallel load.
  assert.ok(ms < 6000, `the scan took ${ms.toFixed(0)} ms`);
});

Deno.test("500 files in one folder 1,200 deep, each asked alone (as what peers publish is) under rules at the limit, cost about one path in all (before: ~13 s)", () => {
  // What comes in from peers and the deletions in a folder's state are
  // asked about path by path, with no scan asking their folders first.
  const r = compileIgnoreRules({ shared: `${"a/**/".repeat(1638)}b`, local: "**/x/**" });
  const deep = Array(1200).fill("a").join("/");
  let ignored = 0;
  const ms = timed(() => {
    for (let i = 0; i < 500; i++) {
      if (r.isIgnored(`${deep}/${i % 5 === 0 ? "x/" : ""}f${i}`, false)) ignored++;
    }
  });
  assert.equal(ignored, 100, "those under x/ (and only those) are ignored");
  assert.ok(ms < 2000, `500 paths took ${ms.toFixed(0)} ms`);
});

Deno.test("an ignore file over the rule limits stops with bad_ignore_file, saying which limit", async () => {
  await using f = await testFolder();
  // 130,000 short rules fit in 1 MiB; before, each path cost ~1 µs a rule.
  await f.write(".mycelignore", Array.from({ length: 130_000 }, (_, i) => `n${i}`).join("\n"));
  const many = await assertRejectsMycel(() => loadIgnoreRules(f.root), "bad_ignore_file");
  assert.match(many.message, /\.mycelignore has more than 10,000 rules \(.*\.mycelignore\)/);
  await f.write(".mycel/ignore", Array.from({ length: 2_000 }, (_, i) => `*${i}/**/x`).join("\n"));
  await f.write(".mycelignore", "*.log\n");
  const wide = await assertRejectsMycel(() => loadIgnoreRules(f.root), "bad_ignore_file");
  assert.match(
    wide.message,
    /\.mycel\/ignore has more than 8,192 characters of patterns with wildcards or folders/,
  );
  // Up to the limits is fine, and plain names don't count against the characters.
  const names = Array.from({ length: MAX_IGNORE_RULES - 1 }, (_, i) => `name-${i}`);
  await f.write(".mycel/ignore", [...names, "*.tmp"].join("\n"));
  const r = await loadIgnoreRules(f.root);
  assert.ok(
    r.isIgnored("x/name-9000", false) && r.isIgnored("a.tmp", false) && r.isIgnored("a.log", false),
  );
  const t = timed(() => r.isIgnored("a/b/c/d/e.txt", false));
  assert.ok(t < 100, `${t} ms`);
  assert.equal(MAX_PATTERN_CHARS, 8_192);
});
