/**
 * @module qr_helpers
 * Read back a QR code that mycel printed on a terminal with half-block
 * glyphs (`█ ▀ ▄` and space, two module rows per text line): turn the text
 * into a module matrix ({@link terminalQrSymbol}), rasterise it with a light
 * quiet zone and decode it with jsQR ({@link decodeQrMatrix}), or both at
 * once ({@link decodeTerminalQr}).
 *
 * ```ts
 * assert.equal(decodeTerminalQr(renderQrTerminal(code)), code);
 * assert.equal(decodeTerminalQr(stdoutTail, { skipBlankLines: true }), config);
 * ```
 */

import jsqrModule from "jsqr";

// CommonJS interop: at run time the default import is jsQR itself, while the
// type checker sees the module object; accept either.
const jsQR: typeof jsqrModule.default = typeof jsqrModule === "function"
  ? jsqrModule
  : jsqrModule.default;

/** Each glyph's two halves, top and bottom: true where painted. */
const HALVES: Record<string, [boolean, boolean]> = {
  "█": [true, true],
  "▀": [true, false],
  "▄": [false, true],
  " ": [false, false],
};

/** Options for reading half-block text. */
export interface TerminalQrOptions {
  /**
   * Ignore empty lines (such as the newline that ends a command's output)
   * instead of failing on them as ragged. Default false: every line counts.
   */
  skipBlankLines?: boolean;
}

/** A QR symbol read from half-block text. */
export interface TerminalQrSymbol {
  /** The module matrix, true for dark modules, without any quiet zone. */
  dark: boolean[][];
  /** True when the painted glyph halves were the light modules. */
  paintedIsLight: boolean;
}

/**
 * Half-block text → the QR symbol it shows. Uniform rows and columns at the
 * edges (quiet zone, terminal background) are stripped — a symbol's outer
 * rows and columns always mix both colours — and the polarity is fixed by
 * the finder pattern, whose corner module is dark. Throws on a ragged line,
 * a character that is not a half-block glyph, or a matrix that is not a QR
 * symbol's size (square, 21 + 4k modules).
 */
export function terminalQrSymbol(text: string, options: TerminalQrOptions = {}): TerminalQrSymbol {
  let lines = text.split("\n");
  if (options.skipBlankLines) lines = lines.filter((l) => l !== "");
  const width = [...lines[0]].length;
  let m: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line];
    if (chars.length !== width) throw new Error(`ragged QR line: ${JSON.stringify(line)}`);
    const halves = chars.map((c) => {
      if (!(c in HALVES)) throw new Error(`unexpected QR character ${JSON.stringify(c)}`);
      return HALVES[c];
    });
    m.push(halves.map((h) => h[0]), halves.map((h) => h[1]));
  }
  const uniform = (xs: boolean[]) => xs.every((x) => x === xs[0]);
  const column = (c: number) => m.map((r) => r[c]);
  for (let changed = true; changed;) {
    changed = false;
    if (m.length && uniform(m[0])) [m, changed] = [m.slice(1), true];
    if (m.length && uniform(m[m.length - 1])) [m, changed] = [m.slice(0, -1), true];
    if (m.length && uniform(column(0))) [m, changed] = [m.map((r) => r.slice(1)), true];
    if (m.length && uniform(column(m[0].length - 1))) {
      [m, changed] = [m.map((r) => r.slice(0, -1)), true];
    }
  }
  if (m.length !== m[0]?.length || (m.length - 21) % 4 !== 0) {
    throw new Error(`not a QR symbol: ${m.length} rows`);
  }
  const paintedIsLight = !m[0][0];
  return { dark: m.map((r) => r.map((p) => p !== paintedIsLight)), paintedIsLight };
}

/**
 * Rasterise a dark-module matrix (4 pixels a module, a 4-module light quiet
 * zone) and decode it with jsQR, without trying the inverted image; returns
 * the text, or null when it does not decode.
 */
export function decodeQrMatrix(dark: boolean[][]): string | null {
  const scale = 4, quiet = 4, n = dark.length, size = (n + 2 * quiet) * scale;
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.floor(y / scale) - quiet, c = Math.floor(x / scale) - quiet;
      if (r >= 0 && r < n && c >= 0 && c < n && dark[r][c]) {
        rgba.fill(0, (y * size + x) * 4, (y * size + x) * 4 + 3);
      }
    }
  }
  return jsQR(rgba, size, size, { inversionAttempts: "dontInvert" })?.data ?? null;
}

/**
 * Decode a half-block QR code as mycel prints it: {@link terminalQrSymbol}
 * then {@link decodeQrMatrix}. Returns the text, or null when the symbol does
 * not decode; throws when the text is not a QR symbol at all.
 */
export function decodeTerminalQr(text: string, options: TerminalQrOptions = {}): string | null {
  return decodeQrMatrix(terminalQrSymbol(text, options).dark);
}
