/**
 * @module qr
 * QR codes drawn with half-block characters, two module rows per text line,
 * for `mycel pair` (a short code) and `mycel mesh export-wg` (a whole
 * wg-quick config). Both renderers paint LIGHT modules with glyphs and leave
 * dark modules blank, as qrcode-terminal's small mode does: on the usual
 * light-on-dark terminal the code then shows the right way round. On a
 * dark-on-light terminal it shows inverted; most phone scanners still read
 * that. Returns text and never prints: the caller decides where it goes. Pure.
 */

import qrcodeTerminal from "qrcode-terminal";
import QRCode from "qrcode";
import { MycelError } from "../errors.ts";

/**
 * Longest payload sent to qrcode-terminal. Its bundled encoder only writes
 * 8-bit mode and maps each UTF-16 unit to one byte, so it is kept to short
 * printable ASCII (pairing codes); anything else goes to the `qrcode` package,
 * which encodes UTF-8 and picks compact modes.
 */
export const TERMINAL_QR_MAX = 120;

/** Light-module margin, in modules, around {@link renderQrLarge} codes. */
const MARGIN = 2;

function checkPayload(text: string): void {
  if (text.length === 0) {
    throw new MycelError("bad_qr_payload", "draw QR code", "there is nothing to encode");
  }
}

/** True when qrcode-terminal can encode `text` faithfully and compactly. */
export function fitsTerminalQr(text: string): boolean {
  return text.length > 0 && text.length <= TERMINAL_QR_MAX && /^[\x20-\x7e]*$/.test(text);
}

/**
 * Draw `text` with qrcode-terminal's small (half-block) mode, capturing its
 * output through the callback. Error correction level L, 1-module margin.
 */
export function renderQrTerminal(text: string): string {
  checkPayload(text);
  if (!fitsTerminalQr(text)) {
    throw new MycelError("bad_qr_payload", "draw QR code", "use renderQrLarge for this payload", {
      value: `${text.length} characters`,
    });
  }
  let out = "";
  // The callback runs synchronously; without one the library would print.
  qrcodeTerminal.generate(text, { small: true }, (s: string) => {
    out = s;
  });
  return out.replace(/\n+$/, "");
}

/**
 * Draw `text` (any Unicode, up to a version-40 code) with the `qrcode`
 * package at error correction level L, which keeps a ~300-byte wg-quick
 * config near 60 columns, framed by a 2-module light margin.
 */
export function renderQrLarge(text: string): string {
  checkPayload(text);
  let modules: { size: number; get(row: number, col: number): number | boolean };
  try {
    modules = QRCode.create(text, { errorCorrectionLevel: "L" }).modules;
  } catch (e) {
    throw new MycelError("bad_qr_payload", "draw QR code", "the payload is too large", {
      value: `${text.length} characters`,
      cause: e,
    });
  }
  const n = modules.size;
  const total = n + 2 * MARGIN;
  // Light = inside the frame and not a dark module; outside the frame there
  // is no paint at all, like the terminal background.
  const light = (r: number, c: number): boolean => {
    if (r >= total) return false;
    const qr = r - MARGIN, qc = c - MARGIN;
    const inside = qr >= 0 && qr < n && qc >= 0 && qc < n;
    return !(inside && modules.get(qr, qc));
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

/** Draw `text` compactly when qrcode-terminal can hold it, else with {@link renderQrLarge}. */
export function renderQr(text: string): string {
  return fitsTerminalQr(text) ? renderQrTerminal(text) : renderQrLarge(text);
}
