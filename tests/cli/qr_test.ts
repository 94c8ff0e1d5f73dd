/**
 * @module qr_test
 * The QR renderers are checked end to end: the half-block text is turned
 * back into a module matrix, rasterised with a quiet zone and decoded with
 * jsQR (tests/helpers/qr.ts), which must give back exactly the input.
 */

import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import {
  fitsTerminalQr,
  renderQr,
  renderQrLarge,
  renderQrTerminal,
  TERMINAL_QR_MAX,
} from "../../src/cli/qr.ts";
import { renderWgQuickConfig } from "../../src/mesh/wg_quick.ts";
import { decodeQrMatrix, decodeTerminalQr, terminalQrSymbol } from "../helpers/qr.ts";

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

Deno.test("renderQrTerminal() output decodes back to the pairing code", () => {
  const out = renderQrTerminal(CODE);
  check(decodeTerminalQr(out) === CODE, "decoded text differs");
  check(!out.endsWith("\n") && !out.includes("\x1b"), "no trailing newline, no escape codes");
});

Deno.test("renderQrTerminal() paints light modules, like qrcode-terminal's small mode", () => {
  // Glyphs are the light modules, so the code reads correctly on a
  // light-on-dark terminal and shows inverted on a dark-on-light one.
  const { dark, paintedIsLight } = terminalQrSymbol(renderQrTerminal(CODE));
  check(paintedIsLight, "glyphs were dark modules");
  // The decode check is sensitive to polarity: the wrong reading fails.
  check(decodeQrMatrix(dark.map((r) => r.map((x) => !x))) === null, "inverted matrix decoded");
  check(terminalQrSymbol(renderQrLarge(CODE)).paintedIsLight, "renderQrLarge differs in polarity");
});

Deno.test("renderQrLarge() output decodes back to a ~300-byte wg-quick config", () => {
  const bytes = new TextEncoder().encode(WG_QUICK).length;
  check(bytes >= 280 && bytes <= 400, `sample is ${bytes} bytes`);
  const out = renderQrLarge(WG_QUICK);
  check(decodeTerminalQr(out) === WG_QUICK, "decoded text differs");
  const width = [...out.split("\n")[0]].length;
  check(width <= 80, `too wide for an 80-column terminal: ${width}`);
});

Deno.test("renderQr() picks qrcode-terminal for short ASCII, qrcode for the rest", () => {
  check(renderQr(CODE) === renderQrTerminal(CODE), "pairing code should use the compact renderer");
  check(renderQr(WG_QUICK) === renderQrLarge(WG_QUICK), "wg-quick config should use qrcode");
  check(fitsTerminalQr("x".repeat(TERMINAL_QR_MAX)), "limit is inclusive");
  check(!fitsTerminalQr("x".repeat(TERMINAL_QR_MAX + 1)) && !fitsTerminalQr("café"), "limits");
  const unicode = "mycel ☕ café — ключ";
  check(decodeTerminalQr(renderQr(unicode)) === unicode, "UTF-8 payload did not survive");
});

Deno.test("renderQr() output decodes back for any short printable ASCII text", () => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[\x20-\x7e]{1,200}$/),
      (text) => decodeTerminalQr(renderQr(text)) === text,
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
