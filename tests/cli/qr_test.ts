/**
 * @module qr_test
 * The QR renderers are checked end to end: the half-block text is turned
 * back into a module matrix, rasterised with a quiet zone and decoded with
 * jsQR, which must give back exactly the input.
 */

import fc from "fast-check";
import jsqrModule from "jsqr";
import { isMycelError } from "../../src/errors.ts";
import {
  fitsTerminalQr,
  renderQr,
  renderQrLarge,
  renderQrTerminal,
  TERMINAL_QR_MAX,
} from "../../src/cli/qr.ts";
import { renderWgQuickConfig } from "../../src/mesh/wg_quick.ts";

// CommonJS interop: at run time the default import is jsQR itself, while the
// type checker sees the module object; accept either.
const jsQR: typeof jsqrModule.default = typeof jsqrModule === "function"
  ? jsqrModule
  : jsqrModule.default;

const CODE = "MYCEL-7K3M-Q9XD-2PWA-HV5T";
const WG_QUICK = renderWgQuickConfig({
  addresses: ["100.64.12.7/32", "fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128"],
  dns: ["100.64.0.1"],
  peers: [{
    publicKey: "zySOXj4wFj5wxhCWZ0bC5PnWdC1u3RFnhN2+JY5vHAQ=",
    allowedIps: ["100.64.0.0/10", "fd3a:9c1e:44b0::/48"],
    endpoint: "laptop.home.arpa:51820",
    persistentKeepalive: 25,
  }],
}, "0K3iITrpL3iuMMpydZQXMBdSAzp+83+PIbvl1plqEEY=");

function check(cond: unknown, label: string): asserts cond {
  if (!cond) throw new Error(label);
}

const HALVES: Record<string, [boolean, boolean]> = {
  "█": [true, true],
  "▀": [true, false],
  "▄": [false, true],
  " ": [false, false],
};

/** Half-block text → rows of "painted" flags, two rows per text line. */
function paintedRows(text: string): boolean[][] {
  const lines = text.split("\n");
  const width = [...lines[0]].length;
  const rows: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line];
    check(chars.length === width, `ragged line: ${JSON.stringify(line)}`);
    const halves = chars.map((c) => {
      check(c in HALVES, `unexpected character ${JSON.stringify(c)}`);
      return HALVES[c];
    });
    rows.push(halves.map((h) => h[0]), halves.map((h) => h[1]));
  }
  return rows;
}

/**
 * Strip uniform rows/columns at the edges (quiet zone, terminal background):
 * a QR symbol's outer rows and columns always mix both colours. Then fix the
 * polarity by the finder pattern, whose corner module is dark. Returns the
 * dark-module matrix and whether painted glyphs meant light modules.
 */
function symbol(text: string): { dark: boolean[][]; paintedIsLight: boolean } {
  let m = paintedRows(text);
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
  check(m.length === m[0]?.length && (m.length - 21) % 4 === 0, `not a QR symbol: ${m.length}`);
  const paintedIsLight = !m[0][0];
  return { dark: m.map((r) => r.map((p) => p !== paintedIsLight)), paintedIsLight };
}

/** Rasterise with a 4-module light quiet zone and decode with jsQR. */
function decode(dark: boolean[][]): string | null {
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

Deno.test("renderQrTerminal() output decodes back to the pairing code", () => {
  const out = renderQrTerminal(CODE);
  check(decode(symbol(out).dark) === CODE, "decoded text differs");
  check(!out.endsWith("\n") && !out.includes("\x1b"), "no trailing newline, no escape codes");
});

Deno.test("renderQrTerminal() paints light modules, like qrcode-terminal's small mode", () => {
  // Glyphs are the light modules, so the code reads correctly on a
  // light-on-dark terminal and shows inverted on a dark-on-light one.
  const { dark, paintedIsLight } = symbol(renderQrTerminal(CODE));
  check(paintedIsLight, "glyphs were dark modules");
  // The decode check is sensitive to polarity: the wrong reading fails.
  check(decode(dark.map((r) => r.map((x) => !x))) === null, "inverted matrix decoded");
  check(symbol(renderQrLarge(CODE)).paintedIsLight, "renderQrLarge differs in polarity");
});

Deno.test("renderQrLarge() output decodes back to a ~300-byte wg-quick config", () => {
  const bytes = new TextEncoder().encode(WG_QUICK).length;
  check(bytes >= 280 && bytes <= 400, `sample is ${bytes} bytes`);
  const out = renderQrLarge(WG_QUICK);
  check(decode(symbol(out).dark) === WG_QUICK, "decoded text differs");
  const width = [...out.split("\n")[0]].length;
  check(width <= 80, `too wide for an 80-column terminal: ${width}`);
});

Deno.test("renderQr() picks qrcode-terminal for short ASCII, qrcode for the rest", () => {
  check(renderQr(CODE) === renderQrTerminal(CODE), "pairing code should use the compact renderer");
  check(renderQr(WG_QUICK) === renderQrLarge(WG_QUICK), "wg-quick config should use qrcode");
  check(fitsTerminalQr("x".repeat(TERMINAL_QR_MAX)), "limit is inclusive");
  check(!fitsTerminalQr("x".repeat(TERMINAL_QR_MAX + 1)) && !fitsTerminalQr("café"), "limits");
  const unicode = "mycel ☕ café — ключ";
  check(decode(symbol(renderQr(unicode)).dark) === unicode, "UTF-8 payload did not survive");
});

Deno.test("renderQr() output decodes back for any short printable ASCII text", () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[\x20-\x7e]{1,200}$/),
      (text) => decode(symbol(renderQr(text)).dark) === text,
    ),
    { numRuns: 60 },
  );
});

Deno.test("QR renderers refuse empty or oversized payloads with a MycelError", () => {
  for (const f of [renderQr, renderQrTerminal, renderQrLarge]) {
    try {
      f("");
      throw new Error("empty payload accepted");
    } catch (e) {
      check(isMycelError(e, "bad_qr_payload"), String(e));
    }
  }
  for (const [f, text] of [[renderQrLarge, "x".repeat(5000)], [renderQrTerminal, "é"]] as const) {
    try {
      f(text);
      throw new Error("payload accepted");
    } catch (e) {
      check(isMycelError(e, "bad_qr_payload"), String(e));
    }
  }
});
