/**
 * @module text_safety
 * The one check deciding what text may reach a terminal (pure). Anything a
 * peer wrote (device names, keys, values, refusal texts) or that sits in the
 * replicated state could hold bytes a terminal obeys: C0 controls (ESC starts
 * escape sequences; CR and BS overwrite what was printed), DEL, C1 controls
 * (U+009B is a one-character CSI on many terminals), and the bidirectional
 * overrides and isolates that make text display in a different order than it
 * reads (a name that shows as "laptop" but is not). Those code points, line
 * and paragraph separators, and lone surrogates are escaped visibly (`\x1b`,
 * `\u202e`); everything else passes unchanged.
 *
 * Invariant: the output of {@link safeText} contains none of the unsafe code
 * points (newline only when the caller asked for multi-line text), and safe
 * text is returned unchanged. JSON and TOML text keep their meaning: there
 * the unsafe code points can only sit inside quoted strings, where `\uXXXX`
 * is the same character.
 */

/** True for a code point that must never reach a terminal raw. */
export function isUnsafeCodePoint(cp: number): boolean {
  return cp < 0x20 || // C0 controls
    (cp >= 0x7f && cp <= 0x9f) || // DEL and C1 controls (U+009B is CSI)
    cp === 0x061c || // Arabic letter mark
    cp === 0x200e || cp === 0x200f || // left-to-right and right-to-left marks
    (cp >= 0x2028 && cp <= 0x202e) || // line/paragraph separators, bidi embeddings/overrides
    (cp >= 0x2066 && cp <= 0x2069) || // bidi isolates
    (cp >= 0xd800 && cp <= 0xdfff); // a lone surrogate (paired ones form code points above)
}

/**
 * True for a code point that shows as nothing on its own: format characters
 * (U+200B zero width space, U+2060 word joiner, U+FEFF, the soft hyphen,
 * the bidi controls) and the Hangul fillers. Safe for a terminal, but a
 * name holding one looks like another (`gam\u200bma` reads `gamma`), so
 * names typed on this device refuse them ({@link unprintableIn}). The
 * joiners U+200C/U+200D (Persian words, emoji sequences) and the tag
 * characters (flag emoji) are part of what they join, and pass.
 */
export function isInvisibleCodePoint(cp: number): boolean {
  if (cp === 0x200c || cp === 0x200d || (cp >= 0xe0020 && cp <= 0xe007f)) return false;
  return FORMAT.test(String.fromCodePoint(cp)) ||
    cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0;
}

const FORMAT = /^\p{Cf}$/u;

/**
 * The first code point of `text` that is unsafe or invisible, escaped
 * (`\u200b`), or undefined when there is none: the check on names typed
 * here (device names, preference keys, app names), stricter than
 * {@link safeText}, which only escapes what a peer wrote when shown.
 */
export function unprintableIn(text: string): string | undefined {
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (isUnsafeCodePoint(cp) || isInvisibleCodePoint(cp)) return escapeCodePoint(cp);
  }
  return undefined;
}

/** `text` with every unsafe or invisible code point escaped: to name typed text in an error. */
export function visibleText(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += isUnsafeCodePoint(cp) || isInvisibleCodePoint(cp) ? escapeCodePoint(cp) : ch;
  }
  return out;
}

/**
 * `text` in double quotes as a person reads it in a message: what
 * {@link visibleText} escapes is escaped the same way (`"k\x1bk"`, as output
 * shows it everywhere else, not JSON's `"k\u001bk"`), and a quote or
 * backslash gets a backslash, so the quotes show where the text ends and a
 * typed `\x1b` is told from an escape. The one way error values quote text.
 */
export function quotedText(text: string): string {
  return `"${visibleText(text.replace(/["\\]/g, "\\$&"))}"`;
}

// The control characters in these classes are exactly the point.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|\p{Cs}/gu;
const UNSAFE_MULTILINE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|\p{Cs}/gu;

function hex(cp: number, digits: number): string {
  return cp.toString(16).padStart(digits, "0");
}

const SHORT: Record<number, string> = { 0x09: "\\t", 0x0a: "\\n", 0x0d: "\\r" };

/** The visible escape of one unsafe code point: `\n`, `\t`, `\r`, `\x1b` below U+0080, else `\u202e`. */
export function escapeCodePoint(cp: number): string {
  return SHORT[cp] ?? (cp <= 0x7f ? `\\x${hex(cp, 2)}` : `\\u${hex(cp, 4)}`);
}

/** Options of {@link safeText}. */
export interface SafeTextOptions {
  /** Let newlines through (multi-line text such as a config file). Default: escape them. */
  multiline?: boolean;
}

/**
 * `text` with every unsafe code point escaped visibly. Single-line by
 * default: a newline in a peer's value would let it forge the next line.
 */
export function safeText(text: string, options: SafeTextOptions = {}): string {
  const re = options.multiline ? UNSAFE_MULTILINE : UNSAFE;
  re.lastIndex = 0;
  if (!re.test(text)) return text;
  return text.replace(re, (ch) => escapeCodePoint(ch.codePointAt(0)!));
}

/** True when {@link safeText} would change `text`. */
export function hasUnsafeText(text: string, options: SafeTextOptions = {}): boolean {
  const re = options.multiline ? UNSAFE_MULTILINE : UNSAFE;
  re.lastIndex = 0;
  return re.test(text);
}

// JSON.stringify already escapes C0 controls and lone surrogates; these remain.
const UNSAFE_IN_QUOTED = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|\p{Cs}/gu;

/**
 * Escape as `\uXXXX` the unsafe code points JSON and TOML serialisers leave
 * raw (DEL, C1, bidi controls, separators). Only for JSON or TOML text, where
 * such characters can only occur inside quoted strings. A lone surrogate (no
 * character at all; writing it as UTF-8 would give U+FFFD anyway) becomes
 * `\ufffd`, which both formats accept.
 */
export function escapeInQuotedText(serialised: string): string {
  return serialised.replace(UNSAFE_IN_QUOTED, (ch) => {
    const cp = ch.codePointAt(0)!;
    return `\\u${hex(cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp, 4)}`;
  });
}

/** `JSON.stringify(value, null, indent)` with nothing unsafe left raw. */
export function safeJson(value: unknown, indent = 2): string {
  return escapeInQuotedText(JSON.stringify(value, null, indent));
}
