/**
 * @module ignore_bench
 * Ignore-rule matching, the npm `ignore` package (what mycel used before)
 * against mycel's own matcher (gitignore_*.ts): a scan-like run of 20,000
 * paths with a typical 30-rule file, and the hostile inputs that froze the
 * old one (each old figure capped by a time limit it is stopped at).
 * Run: deno run -A bench/ignore_bench.ts [--old-attacks]
 */

import ignore from "ignore";
import { compileIgnoreRules } from "../src/files/ignore_rules.ts";
import { machine, median } from "./bench_helpers.ts";

type Matcher = (path: string, isDir: boolean) => boolean;

function oldMatcher(text: string): Matcher {
  const ig = ignore({ ignorecase: false, allowRelativePaths: false }).add(text);
  return (p, dir) => ig.ignores(dir ? `${p}/` : p);
}

function newMatcher(text: string): Matcher {
  const r = compileIgnoreRules({ shared: text });
  return (p, dir) => r.isIgnored(p, dir);
}

const TYPICAL = [
  "# build output",
  "node_modules/",
  "dist/",
  "build/",
  "/coverage",
  "*.log",
  "*.tmp",
  "*.swp",
  "*~",
  ".DS_Store",
  "Thumbs.db",
  ".env",
  ".env.*",
  "!.env.example",
  "*.o",
  "*.pyc",
  "__pycache__/",
  ".cache/",
  "**/target/**",
  "docs/_site/",
  "/vendor/",
  "*.[oa]",
  "[Dd]ebug/",
  "[Rr]elease/",
  "*.sqlite-journal",
  ".idea/",
  ".vscode/*",
  "!.vscode/settings.json",
  "src/**/*.generated.ts",
  "tmp-*",
  "*.bak",
].join("\n");

/** 20,000 paths of a made-up project tree, with their folders, in scan order. */
function scanPaths(): [string, boolean][] {
  const dirs = [
    "src",
    "lib",
    "docs",
    "test",
    "assets",
    "node_modules",
    "build",
    "pkg",
    "a",
    "b",
    "c",
  ];
  const files = [
    "index.ts",
    "main.c",
    "notes.md",
    "x.log",
    "a.o",
    "photo.jpg",
    "data.json",
    "y.tmp",
    "z.py",
  ];
  const out: [string, boolean][] = [];
  let seed = 7;
  const rnd = (n: number) => (seed = (seed * 16807) % 2147483647) % n;
  while (out.length < 20_000) {
    const depth = 1 + rnd(5);
    let p = "";
    for (let d = 0; d < depth; d++) {
      p = p === "" ? dirs[rnd(dirs.length)] : `${p}/${dirs[rnd(dirs.length)]}`;
      out.push([p, true]);
    }
    out.push([`${p}/${rnd(100)}-${files[rnd(files.length)]}`, false]);
  }
  return out.slice(0, 20_000);
}

function timeScan(make: (t: string) => Matcher, paths: [string, boolean][]): number {
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const m = make(TYPICAL); // a fresh set each run, as each scan compiles its own
    const t0 = performance.now();
    for (const [p, dir] of paths) m(p, dir);
    runs.push(performance.now() - t0);
  }
  return median(runs);
}

/** ms per call of `f`, repeated for ~300 ms (once when slow). */
function perCall(f: () => void): number {
  const t0 = performance.now();
  let n = 0;
  do (f(), n++); while (performance.now() - t0 < 300);
  return (performance.now() - t0) / n;
}

/** ms per call of `m` on `path`. */
function perPath(m: Matcher, path: string, isDir = false): number {
  return perCall(() => m(path, isDir));
}

const deep = (n: number, last: string) => [...Array(n).fill("a"), last].join("/");
const ATTACKS: [string, string, string][] = [
  ["12 `**`, depth 36", `${Array(12).fill("a").join("/**/")}/**/b`, deep(35, "c.txt")],
  ["2 `**`, depth 1000", "a/**/a/**/b", deep(999, "c.txt")],
  ["3 `**`, depth 300", "a/**/a/**/a/**/b", deep(299, "c.txt")],
  ["`*a*a*a*a*a*a*a*a*b`, 255 `a`s", "*a*a*a*a*a*a*a*a*b", "a".repeat(255)],
  [
    "5,000-char `a/**/a/**/…` (about the limit), depth 2047",
    `${Array(1000).fill("a").join("/**/")}/**/b`,
    deep(2046, "c"),
  ],
];

console.log(machine());
const paths = scanPaths();
const oldScan = timeScan(oldMatcher, paths);
const newScan = timeScan(newMatcher, paths);
console.log(
  `scan of ${paths.length} paths, 30 rules: old ${oldScan.toFixed(1)} ms, new ${
    newScan.toFixed(1)
  } ms`,
);
for (const [what, rule, path] of ATTACKS) {
  // A set compiled for each call: once its folders were asked, the same
  // path again costs its last name only, which is not what a path costs.
  const fresh = perCall(() => newMatcher(rule)(path, false));
  // The old matcher would not finish the last one; the first takes about a minute.
  const runOld = Deno.args.includes("--old-attacks") && !what.startsWith("5,000");
  const old = runOld ? `${perPath(oldMatcher(rule), path).toFixed(3)} ms` : "not run";
  console.log(`${what}: new ${fresh.toFixed(3)} ms a path, old ${old}`);
}
