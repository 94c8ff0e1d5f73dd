/**
 * @module gitignore_lines
 * An ignore file read into its rule lines, the way the npm `ignore` package
 * (v7) reads one, which mycel used before it matched rules itself: a
 * BOM at the start is dropped, lines end at LF or CRLF (one CR at the very
 * end is dropped too), blank lines and `#` comments are no rules, `!` makes
 * a rule un-ignore, trailing spaces go unless the last is quoted (`a\ ` is
 * `a ` with the backslash gone), a rule ending in an unpaired backslash is
 * no rule, and `\!` / `\#` at the start are a literal `!` / `#`. Every step
 * is one pass over the line, so a hostile 1 MiB file costs its length.
 */

/** One rule as written, before its pattern is read. */
export interface RuleLine {
  /** `!pattern`: a match un-ignores. */
  readonly negative: boolean;
  /** The pattern, normalized as above. */
  readonly body: string;
  /** 1-based line number, for messages. */
  readonly line: number;
}

const BOM = "\uFEFF";

/** Drop trailing spaces; a quoted last one stays, as a plain space. */
function trimSpaces(body: string): string {
  let end = body.length;
  while (end > 0 && body[end - 1] === " ") end--;
  if (end === body.length) return body;
  let backslashes = 0;
  while (end - backslashes > 0 && body[end - backslashes - 1] === "\\") backslashes++;
  return backslashes % 2 === 1 ? `${body.slice(0, end - 1)} ` : body.slice(0, end);
}

function endsInLoneBackslash(body: string): boolean {
  let count = 0;
  while (count < body.length && body[body.length - count - 1] === "\\") count++;
  return count % 2 === 1;
}

/** The rule lines of one ignore file's text, in order. */
export function readRuleLines(text: string): RuleLine[] {
  const stripBom = text.startsWith(BOM);
  const whole = text.endsWith("\r") ? text.slice(0, -1) : text;
  const out: RuleLine[] = [];
  let first = true;
  let line = 0;
  for (const raw of whole.split(/\r?\n/)) {
    line++;
    if (raw === "") continue;
    let body = first && stripBom ? raw.slice(1) : raw;
    first = false;
    if (body[0] === "#") continue;
    const negative = body[0] === "!";
    if (negative) body = body.slice(1);
    if (body.endsWith(" ")) body = trimSpaces(body);
    if (body === "" || endsInLoneBackslash(body)) continue;
    if (body.startsWith("\\!") || body.startsWith("\\#")) body = body.slice(1);
    out.push({ negative, body, line });
  }
  return out;
}
