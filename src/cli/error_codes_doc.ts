/**
 * @module error_codes_doc
 * docs/error_codes.md, rendered from src/error_codes.ts (pure): every code a
 * `--json` error can carry, by group, with its meaning and the exit code its
 * errors exit with, then the codes a peer's refusal becomes. Written by
 * `deno task completions` (as the man page, which lists the same codes);
 * tests/error_codes_doc_test.ts keeps the file equal to this, so a code
 * added to the set cannot go undocumented. The file is kept out of
 * `deno fmt`: it is compared byte for byte.
 */

import { ERROR_CODE_GROUPS, exitsOf, type LocalCode, WIRE_CODES } from "../error_codes.ts";

/** The exit codes of `code`'s errors, as a reader says them: "2", "1 or 2". */
export function exitText(code: LocalCode): string {
  return exitsOf(code).join(" or ");
}

/** A table cell: no `|` or newline can break the row. */
function cell(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\s+/g, " ");
}

/** The whole of docs/error_codes.md. */
export function errorCodesMarkdown(): string {
  const out = [
    "# Error codes",
    "",
    "<!-- Generated from src/error_codes.ts by `deno task completions`; do not edit. -->",
    "",
    "With `--json`, a command that fails prints one JSON object on standard error,",
    '`{"error": {"code": …, "message": …, "hint": …}}`, and each row of `sync now --json` that did',
    "not sync carries a `code` too. The code is stable: a script may rely on it, while the message",
    "and hint are for people and may change. Every code mycel can give is below, with what it",
    "means and the exit code of a command that stops with it (two when it is raised in places",
    "that exit differently, e.g. a value typed, exit 2, or one read from a file, exit 1). The",
    "exit codes themselves: 0 success, 1 failure, 2 usage error, 3 no peer reachable or only some",
    "synced (a round, not an error code), 130 stopped by Ctrl-C. `mycel man` lists the same codes.",
  ];
  for (const [group, codes] of Object.entries(ERROR_CODE_GROUPS)) {
    out.push("", `## ${group}`, "", "| code | meaning | exit |", "| ---- | ------- | ---- |");
    for (const [code, meaning] of Object.entries(codes)) {
      out.push(`| \`${code}\` | ${cell(meaning)} | ${exitText(code as LocalCode)} |`);
    }
  }
  out.push(
    "",
    "## Codes from a peer",
    "",
    "A peer that stops a session with an error sends its code; it comes back here as",
    "`peer_<code>` (exit 1) when `<code>` is one of the codes above or one of these, which only a",
    "peer sends, and as `peer_error` otherwise (the message names the peer's code). A peer's",
    "refusal to let this device in keeps its own code (`removed`, `busy`, `not_accepted`).",
    "",
    "| code | meaning |",
    "| ---- | ------- |",
  );
  for (const [code, meaning] of Object.entries(WIRE_CODES)) {
    out.push(`| \`peer_${code}\` | ${cell(meaning)} |`);
  }
  return out.join("\n") + "\n";
}
