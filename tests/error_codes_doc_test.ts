/**
 * @module error_codes_doc_test
 * The error codes as users read them: docs/error_codes.md is exactly what
 * src/error_codes.ts generates (`deno task completions`), with a row for
 * every code, so a code added to the set can't go undocumented; the man
 * page lists every code too; the README's `--json` paragraph links the
 * document; and the exit code the document gives each code is the one every
 * raise of that code (by literal, here or through a helper) exits with.
 */

import assert from "node:assert/strict";
import {
  ERROR_CODE_GROUPS,
  ERROR_CODES,
  ERROR_EXITS,
  exitsOf,
  type LocalCode,
  WIRE_CODES,
} from "../src/error_codes.ts";
import { ExitCode } from "../src/errors.ts";
import { errorCodesMarkdown } from "../src/cli/error_codes_doc.ts";
import { manPage } from "../src/cli/man.ts";
import { COMMANDS } from "../src/cli/commands/table.ts";

const ROOT = new URL("../", import.meta.url);
const CODES = Object.keys(ERROR_CODES) as LocalCode[];

Deno.test("docs/error_codes.md is generated from src/error_codes.ts, a row for every code", async () => {
  const doc = await Deno.readTextFile(new URL("docs/error_codes.md", ROOT));
  assert.ok(
    doc === errorCodesMarkdown(),
    "docs/error_codes.md is out of date with src/error_codes.ts: run `deno task completions`",
  );
  const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (.+?) \|(?: (.+) \|)?$/gm)];
  const want = [...CODES, ...Object.keys(WIRE_CODES).map((c) => `peer_${c}`)];
  assert.deepEqual(rows.map((r) => r[1]), want, "one row per code, in the set's order");
  for (const [, code, meaning, exit] of rows) {
    if (code.startsWith("peer_") && !Object.hasOwn(ERROR_CODES, code)) continue;
    assert.equal(meaning, ERROR_CODES[code as LocalCode], code);
    assert.equal(exit, exitsOf(code as LocalCode).join(" or "), code);
  }
});

Deno.test("a code is in exactly one group, and the groups are the whole set", () => {
  const grouped = Object.values(ERROR_CODE_GROUPS).flatMap((g) => Object.keys(g));
  assert.equal(new Set(grouped).size, grouped.length, "a code in two groups");
  assert.deepEqual(grouped, CODES);
});

Deno.test("the man page lists every error code with its exit code, and the README links the list", async () => {
  const page = manPage(COMMANDS);
  const section = page.slice(page.indexOf(".SH DIAGNOSTICS"), page.indexOf(".SH ENVIRONMENT"));
  for (const code of CODES) {
    assert.match(
      section,
      new RegExp(`^\\.B ${code}\\n.* \\(exit ${exitsOf(code).join(" or ")}\\)$`, "m"),
      code,
    );
  }
  for (const code of Object.keys(WIRE_CODES)) {
    assert.ok(section.includes(`.B peer_${code}\n`), code);
  }
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const json = readme.slice(readme.indexOf("Commands that print data take `--json`"));
  assert.match(json.slice(0, 600), /\[docs\/error_codes\.md\]\(docs\/error_codes\.md\)/);
});

const EXIT_NAMES: Record<string, number> = { ...ExitCode };

/** From `open` (a `(`) to its matching `)`. */
function callAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

/** The exit codes a `new MycelError(…)` call may give; undefined when it cannot be read. */
function exitsOfCall(call: string): number[] | undefined {
  const at = call.search(/\bexit:/);
  if (at < 0) return [ExitCode.failure];
  const expr = call.slice(at + "exit:".length).split("\n")[0].split(/,\s*\w+:/)[0];
  const found = [...expr.matchAll(/ExitCode\.(\w+)|\b(\d+)\b/g)].map((m) =>
    m[1] ? EXIT_NAMES[m[1]] : Number(m[2])
  );
  return found.length > 0 ? found : undefined;
}

Deno.test("every literal raise of a code exits as docs/error_codes.md says (src/error_codes.ts ERROR_EXITS)", async () => {
  const seen = new Map<string, Set<number>>();
  const unread: string[] = [];
  async function walk(dir: URL): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir));
      else if (e.name.endsWith(".ts")) scan(e.name, await Deno.readTextFile(new URL(e.name, dir)));
    }
  }
  function scan(file: string, text: string): void {
    // `new MycelError("code", …)`, or a helper of this file that makes one: `readError("code", …)`.
    for (const m of text.matchAll(/\b(\w*Error)\(\s*"([a-z][a-z0-9_]*)"/g)) {
      if (!Object.hasOwn(ERROR_CODES, m[2])) continue;
      let call: string;
      if (m[1] === "MycelError") call = callAt(text, m.index! + m[0].indexOf("("));
      else {
        const def = text.search(new RegExp(`function ${m[1]}\\(`));
        const made = def < 0 ? -1 : text.indexOf("new MycelError(", def);
        if (made < 0) {
          unread.push(`${file}: ${m[1]}("${m[2]}") (no helper of that name here)`);
          continue;
        }
        call = callAt(text, made + "new MycelError".length);
      }
      const exits = exitsOfCall(call);
      if (exits === undefined) unread.push(`${file}: ${m[2]}: ${call.slice(0, 120)}`);
      else for (const x of exits) seen.set(m[2], (seen.get(m[2]) ?? new Set()).add(x));
    }
  }
  await walk(new URL("src/", ROOT));
  assert.deepEqual(unread, [], "raises whose exit code this test cannot read");
  assert.ok(seen.size > 140, String(seen.size));
  for (const [code, exits] of seen) {
    const said = exitsOf(code as LocalCode);
    for (const x of exits) assert.ok(said.includes(x), `${code} exits ${x}, the docs say ${said}`);
  }
  // No exit is claimed that nothing gives (1 also comes from raises by a variable code).
  for (const [code, exits] of Object.entries(ERROR_EXITS)) {
    for (const x of exits!) {
      if (x === ExitCode.failure || (code === "usage" && x === ExitCode.usage)) continue;
      assert.ok(seen.get(code)?.has(x), `${code}: exit ${x} is raised nowhere`);
    }
  }
});
