/**
 * @module gitignore_class
 * A bracket expression of an ignore pattern (`[a-z]`, `[!0-9]`, `[[:alpha:]]`),
 * read into a set of character ranges tested one UTF-16 unit at a time.
 * It has a grammar of its own (git's wildmatch): a `]` right after `[` or
 * `[!` is a member, `\` quotes the next member, `*` `?` `.` are plain, a
 * range written backwards keeps only its first end, an unknown `[:name:]`
 * or an unterminated expression makes the whole pattern match nothing. It
 * never matches `/`, whatever its members say. Read in one pass, so no
 * pattern, however long, costs more than its length to read.
 */

/** A parsed bracket expression: true on a unit it admits. */
export interface CharClass {
  readonly negated: boolean;
  /** Inclusive [from, to] pairs of UTF-16 code units. */
  readonly ranges: readonly number[];
}

const SLASH = 0x2f;

/** git's own ASCII classes (never the wider \d \w \s). `/` is in none. */
const POSIX: Record<string, string> = {
  alnum: "09AZaz",
  alpha: "AZaz",
  blank: "  \t\t",
  cntrl: "\x00\x1f\x7f\x7f",
  digit: "09",
  graph: "!.0~",
  lower: "az",
  print: " .0~",
  punct: "!.:@[`{~",
  space: "  \t\t\n\n\r\r",
  upper: "AZ",
  xdigit: "09AFaf",
};

/** True when `c` (a UTF-16 unit) is in the class. */
export function classHas(cls: CharClass, c: number): boolean {
  if (c === SLASH) return false;
  const r = cls.ranges;
  let inside = false;
  for (let i = 0; i < r.length; i += 2) {
    if (c >= r[i] && c <= r[i + 1]) {
      inside = true;
      break;
    }
  }
  return inside !== cls.negated;
}

/** Where the next `]` at or after `from` is, remembered across calls. */
export class CloseFinder {
  #at = -2;
  constructor(private readonly text: string) {}
  find(from: number): number {
    // A later search never starts before an earlier answer unless that
    // answer is still the first `]` from there: one pass over the text.
    if (this.#at < from) this.#at = this.text.indexOf("]", from);
    return this.#at;
  }
}

/**
 * Read the expression whose `[` is at `start`.
 * @returns the class and the index of its closing `]`, or null when it
 * makes the whole pattern match nothing (unterminated, unknown class name)
 */
export function readClass(
  text: string,
  start: number,
  closes = new CloseFinder(text),
): { cls: CharClass; end: number } | null {
  const n = text.length;
  let i = start + 1;
  let negated = false;
  if (text[i] === "!" || text[i] === "^") {
    negated = true;
    i++;
  }
  const ranges: number[] = [];
  const add = (a: number, b: number) => ranges.push(a, b);
  // The member a `-` may start a range from; -1 right after a range or a
  // named class (neither can open one).
  let prev = -1;
  // The first member is taken whatever it is: that is why `[]a]` holds `]`.
  for (;;) {
    if (i >= n) return null;
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) {
      i++;
      if (i >= n) return null;
      prev = text.charCodeAt(i);
      add(prev, prev);
    } else if (ch === 0x2d /* - */ && prev >= 0 && i + 1 < n && text[i + 1] !== "]") {
      i++;
      if (text[i] === "\\") i++;
      if (i >= n) return null;
      const to = text.charCodeAt(i);
      if (prev <= to) add(prev, to);
      prev = -1;
    } else if (ch === 0x5b /* [ */ && text[i + 1] === ":") {
      const close = closes.find(i + 2);
      if (close < 0) return null;
      if (close > i + 2 && text[close - 1] === ":") {
        const name = text.slice(i + 2, close - 1);
        if (!Object.hasOwn(POSIX, name)) return null;
        const set = POSIX[name];
        for (let k = 0; k < set.length; k += 2) add(set.charCodeAt(k), set.charCodeAt(k + 1));
        prev = -1;
        i = close;
      } else {
        prev = ch; // no `:]` ahead: a plain `[`, and the `:` is read next
        add(ch, ch);
      }
    } else {
      prev = ch;
      add(ch, ch);
    }
    i++;
    if (text[i] === "]") return { cls: { negated, ranges }, end: i };
  }
}
