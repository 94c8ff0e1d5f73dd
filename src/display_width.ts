/**
 * @module display_width
 * How many terminal columns text takes (pure), as `wcwidth` counts them: a
 * code point of East Asian Width "W" or "F" (CJK, kana, Hangul, fullwidth
 * forms, emoji shown as emoji) takes 2; combining marks, format characters
 * (zero-width space and joiner, word joiner, BOM), variation selectors and
 * Hangul medial and final jamo take 0 (they join the character before);
 * controls 0 (the text-safety check escapes them before anything prints);
 * everything else 1. Progress lines and tables fit and align by this, not by
 * code points: a CJK name of 10 code points is 20 columns, so a line cut to
 * the terminal's width in code points still wrapped.
 *
 * Text holding emoji glue (a ZWJ, VS16, regional indicators, skin tones,
 * keycaps) is measured and cut by grapheme clusters (Intl.Segmenter), never
 * cut inside one: a flag, a VS16 emoji or a keycap is 2 columns; a ZWJ
 * sequence (👩‍💻) or a skin tone counts its parts (at least 2). Other text
 * goes by code points, which gives the same widths there.
 *
 * Rough where terminals disagree, always towards "wider" for fitting: the
 * emoji blocks of plane 1 count 2 as a whole (a few symbols there are drawn
 * narrow).
 */

/**
 * Start and end (inclusive) of the wide ranges, sorted: East Asian Width W
 * and F of Unicode 14 (Python's unicodedata), neighbouring ranges joined over
 * unassigned code points, plane 1's emoji blocks taken whole.
 */
// deno-fmt-ignore: pairs, ten numbers a line
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0,
  0x23f3, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x2648, 0x2653, 0x267f, 0x267f,
  0x2693, 0x2693, 0x26a1, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5,
  0x26ce, 0x26ce, 0x26d4, 0x26d4, 0x26ea, 0x26ea, 0x26f2, 0x26f3, 0x26f5, 0x26f5,
  0x26fa, 0x26fa, 0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a, 0x270b, 0x2728, 0x2728,
  0x274c, 0x274c, 0x274e, 0x274e, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797,
  0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b50, 0x2b55, 0x2b55,
  0x2e80, 0x303e, 0x3041, 0x3247, 0x3250, 0x4dbf, 0x4e00, 0xa4c6, 0xa960, 0xa97c,
  0xac00, 0xd7a3, 0xf900, 0xfad9, 0xfe10, 0xfe6b, 0xff01, 0xff60, 0xffe0, 0xffe6,
  0x16fe0, 0x1b2fb, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e, 0x1f18e, 0x1f191, 0x1f19a,
  0x1f200, 0x1f64f, 0x1f680, 0x1f6ff, 0x1f7e0, 0x1f7f0, 0x1f900, 0x1f9ff, 0x1fa70, 0x1faff,
  0x20000, 0x3fffd,
];

/** Combining marks, format characters, Hangul medial and final jamo, controls. */
const ZERO = /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u1160-\u11ff\ud7b0-\ud7ff]$/u;

function isWide(cp: number): boolean {
  if (cp < WIDE[0]) return false;
  let lo = 0, hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE[2 * mid]) hi = mid - 1;
    else if (cp > WIDE[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns one character (a code point, or a lone surrogate) takes: 0, 1 or 2. */
export function charWidth(ch: string): 0 | 1 | 2 {
  const cp = ch.codePointAt(0) ?? 0;
  // Printable ASCII first: most text is, and it needs no lookup.
  if (cp >= 0x20 && cp < 0x7f) return 1;
  if (ZERO.test(ch) && cp !== 0xad) return 0; // a soft hyphen is drawn
  return isWide(cp) ? 2 : 1;
}

/**
 * A ZWJ, VS16, regional indicator, skin-tone modifier or keycap: what glues
 * code points into one emoji, never to be cut apart.
 */
const EMOJI_GLUE = /[\u200d\ufe0f\u20e3\u{1f1e6}-\u{1f1ff}\u{1f3fb}-\u{1f3ff}]/u;
const PICTOGRAPH = /[\p{Extended_Pictographic}\u{1f1e6}-\u{1f1ff}]/u;

// Made on first use: constructing one costs ~30 ms here (ICU's data), and
// only text with emoji glue needs it — every command prints through this.
let graphemes: Intl.Segmenter | undefined;

/**
 * The pieces of `text` never to cut apart, each a code point — or, where
 * `text` holds emoji glue, a grapheme cluster (a letter with its marks
 * counts the same either way: marks take 0).
 */
function* pieces(text: string): Iterable<string> {
  if (!EMOJI_GLUE.test(text)) return yield* text;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  for (const { segment } of graphemes.segment(text)) yield segment;
}

/**
 * Columns one piece (a code point or a grapheme cluster) takes. A flag, a
 * VS16 emoji or a keycap is one picture: 2. A ZWJ sequence or a skin tone
 * counts its parts, at least 2: terminals that draw it as one picture take
 * 2, others (VTE, xterm) draw each part, and fitting errs wide — a line
 * counted narrower than drawn wraps.
 */
function pieceWidth(piece: string): number {
  if (piece.length === 1) return charWidth(piece);
  let n = 0;
  for (const ch of piece) n += charWidth(ch);
  if (/\u200d|[\u{1f3fb}-\u{1f3ff}]/u.test(piece) && PICTOGRAPH.test(piece)) return Math.max(n, 2);
  if (/[\ufe0f\u20e3]/.test(piece) || PICTOGRAPH.test(piece) && EMOJI_GLUE.test(piece)) return 2;
  return n;
}

/** Columns `text` takes on a terminal (one line: controls count 0). */
export function displayWidth(text: string): number {
  let n = 0;
  for (const p of pieces(text)) n += pieceWidth(p);
  return n;
}

/**
 * The longest start of `text` that takes at most `columns` columns, cut
 * between pieces (never inside a surrogate pair, a ZWJ sequence or a flag);
 * marks that follow the last character kept stay with it, and a wide piece
 * that would straddle the limit is left out whole.
 */
export function cutToWidth(text: string, columns: number): string {
  let used = 0, end = 0;
  for (const p of pieces(text)) {
    used += pieceWidth(p);
    if (used > columns) break;
    end += p.length;
  }
  return text.slice(0, end);
}
