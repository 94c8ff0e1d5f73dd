/**
 * @module qr
 * QR codes drawn with half-block characters, two module rows per text line,
 * for `mycel pair` (a short code) and `mycel mesh export-wg --qr` (a whole
 * wg-quick config). One encoder (uqr) serves both; it picks the densest mode
 * (numeric, alphanumeric — pairing codes are upper-case, so they fit a
 * version-1 symbol — or UTF-8 bytes) at error correction level L.
 *
 * Light modules are painted with glyphs and dark modules left blank: on the
 * usual light-on-dark terminal the code then shows the right way round, and
 * the painted margin is its quiet zone. On a dark-on-light terminal it shows
 * inverted; most phone scanners still read that. Returns text and never
 * prints: the caller decides where it goes. Pure.
 */

import { encode } from "uqr";
import { MycelError } from "../errors.ts";

/** Longest payload accepted, in UTF-8 bytes (a version-40-L symbol holds 2953). */
export const QR_MAX_BYTES = 2953;

/** Light margin of {@link renderQrTerminal} (compact, for short codes). */
const COMPACT_MARGIN = 1;

/** Light margin of {@link renderQr} (for large payloads a wider quiet zone scans better). */
const MARGIN = 2;

function badPayload(reason: string, value?: string, cause?: unknown): MycelError {
  return new MycelError("bad_qr_payload", "draw QR code", reason, { value, cause });
}

/** The dark-module matrix of `text` (no border), or a `bad_qr_payload` error. */
function modules(text: string): boolean[][] {
  if (text.length === 0) throw badPayload("there is nothing to encode");
  // uqr goes through encodeURI, which throws on lone surrogates.
  if (!text.isWellFormed()) throw badPayload("the text is not valid Unicode");
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > QR_MAX_BYTES) throw badPayload("the payload is too large", `${bytes} bytes`);
  try {
    return encode(text, { ecc: "L", border: 0 }).data;
  } catch (e) {
    // Alphanumeric/numeric capacities are larger than bytes; only bytes can overflow.
    throw badPayload("the payload is too large", `${bytes} bytes`, e);
  }
}

/** Half-block drawing of `dark` with a light frame `margin` modules wide. */
function draw(dark: boolean[][], margin: number): string {
  const n = dark.length;
  const total = n + 2 * margin;
  // Light = inside the frame and not a dark module; below the last row (odd
  // totals) there is no paint at all, like the terminal background.
  const light = (r: number, c: number): boolean => {
    if (r >= total) return false;
    const qr = r - margin, qc = c - margin;
    const inside = qr >= 0 && qr < n && qc >= 0 && qc < n;
    return !(inside && dark[qr][qc]);
  };
  const lines: string[] = [];
  for (let r = 0; r < total; r += 2) {
    let line = "";
    for (let c = 0; c < total; c++) {
      const top = light(r, c), bottom = light(r + 1, c);
      line += top ? (bottom ? "█" : "▀") : (bottom ? "▄" : " ");
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/** A compact code (1-module margin) for short payloads such as pairing codes. */
export function renderQrTerminal(text: string): string {
  return draw(modules(text), COMPACT_MARGIN);
}

/** A code for any payload up to {@link QR_MAX_BYTES} (2-module margin), e.g. a wg-quick config. */
export function renderQr(text: string): string {
  return draw(modules(text), MARGIN);
}
