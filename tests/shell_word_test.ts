/**
 * src/shell_word.ts: the words hints give to copy (`touch '…/.mycel-folder'`,
 * `mycel folder versions PATH`) reach a real `sh` as the one argument they
 * stand for, whatever the path holds: quotes, spaces, `$`, backticks,
 * globs, newlines.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { shellQuoted, shellWord } from "../src/shell_word.ts";

const tricky = fc.constantFrom(
  "'",
  '"',
  " ",
  "$HOME",
  "`id`",
  "*",
  "\\",
  "\n",
  "é",
  "a",
  "/",
  "-",
  "!",
);
const text = fc.array(tricky, { minLength: 1, maxLength: 8 }).map((p) => p.join(""));

/** What `sh` hands a program for each word of `line`, one argument per line (NUL-separated). */
function argsOf(line: string): string[] {
  const out = new Deno.Command("sh", {
    args: ["-c", `printf '%s\\0' ${line}`],
    stdout: "piped",
    stderr: "piped",
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/nonexistent" },
    clearEnv: true,
  }).outputSync();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).split("\0").slice(0, -1);
}

Deno.test("shellWord and shellQuoted: sh reads each back as the one argument it was made from", () => {
  fc.assert(
    fc.property(text, (t) => {
      assert.deepEqual(argsOf(shellWord(t)), [t]);
      assert.deepEqual(argsOf(shellQuoted(t)), [t]);
    }),
    { numRuns: 60 },
  );
});

Deno.test("shellWord leaves a plain path as it is; shellQuoted always quotes", () => {
  assert.equal(shellWord("/home/me/docs/a.txt"), "/home/me/docs/a.txt");
  assert.equal(shellQuoted("/home/me/docs"), "'/home/me/docs'");
  assert.equal(shellWord("it's docs"), `'it'\\''s docs'`);
});
