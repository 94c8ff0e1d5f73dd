/**
 * @module threat_model_test
 * docs/threat_model.md backs every claim with a test, cited as
 * `` `tests/FILE.ts › test name` `` (`… › name` for another test of the same
 * file). A citation that names no existing test is a claim without evidence:
 * this test reads every citation and finds the test in its file, by the
 * literal name or a template name (`fuzz ${name}: …`) that matches it.
 */

import assert from "node:assert/strict";
import { REPO_ROOT } from "./helpers/mycel.ts";

const DOC = `${REPO_ROOT}/docs/threat_model.md`;

/** Every code span's text (CommonMark: any run of backticks; line endings become spaces, one space trimmed each side). */
function codeSpans(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
    const t = m[2].replace(/\r?\n/g, " "); // a line ending inside a span is a space
    out.push(t.startsWith(" ") && t.endsWith(" ") && t.trim() !== "" ? t.slice(1, -1) : t);
  }
  return out;
}

/** The citations of the document, in order, each with its file. */
function citations(markdown: string): { file: string; name: string }[] {
  const out: { file: string; name: string }[] = [];
  let last = "";
  for (const span of codeSpans(markdown)) {
    const m = /^(tests\/\S+\.ts|…) › (.+)$/s.exec(span);
    if (m === null) continue;
    const file = m[1] === "…" ? last : m[1];
    assert.ok(file !== "", `"… › ${m[2]}" cites no file before it`);
    out.push({ file, name: m[2] });
    last = file;
  }
  return out;
}

/** Patterns of the test names declared in `source` (string and template literals; `labTest` is the namespace tests' Deno.test). */
function testNames(source: string): RegExp[] {
  const out: RegExp[] = [];
  const literal =
    /(?:(?:Deno\.test|labTest)\(\s*|name:\s*|^\s*)("(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)/gm;
  for (const m of source.matchAll(literal)) {
    const raw = m[1];
    // JSON has no \u{…} escape (a JS string may: text_safety_test's flag).
    const json = raw.replace(
      /\\u\{([0-9a-fA-F]+)\}/g,
      (_, hex) => JSON.stringify(String.fromCodePoint(parseInt(hex, 16))).slice(1, -1),
    );
    const text = raw.startsWith('"') ? JSON.parse(json) as string : raw.slice(1, -1);
    const parts = text.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    out.push(new RegExp(`^${parts.join(".+")}$`, "s"));
  }
  return out;
}

Deno.test("every test docs/threat_model.md cites exists under that name in that file", async () => {
  const cited = citations(await Deno.readTextFile(DOC));
  assert.ok(cited.length >= 80, `only ${cited.length} citations found`);
  const missing: string[] = [];
  const sources = new Map<string, RegExp[]>();
  for (const { file, name } of cited) {
    if (!sources.has(file)) {
      const text = await Deno.readTextFile(`${REPO_ROOT}/${file}`).catch(() => "");
      sources.set(file, testNames(text));
    }
    if (!sources.get(file)!.some((re) => re.test(name))) missing.push(`${file} › ${name}`);
  }
  assert.deepEqual(missing, [], "cited tests that do not exist");
});

Deno.test("the citation reader finds names in string and template literals, and misses wrong ones", () => {
  const names = testNames(
    'Deno.test("a b", () => {});\nDeno.test(`fuzz ${name}: 15 cases`, f);\n  name: "c d",\n',
  );
  const found = (n: string) => names.some((re) => re.test(n));
  assert.ok(found("a b") && found("fuzz hello: 15 cases") && found("c d"));
  assert.ok(!found("a") && !found("fuzz : 15 cases") && !found("a b c"));
  assert.deepEqual(
    citations("x `tests/a_test.ts › one` y `… › two\nlines` `` tests/b.ts › has `tick` ``"),
    [
      { file: "tests/a_test.ts", name: "one" },
      { file: "tests/a_test.ts", name: "two lines" },
      { file: "tests/b.ts", name: "has `tick`" },
    ],
  );
});
