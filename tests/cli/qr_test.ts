/**
 * @module qr_test
 * The QR renderers are checked end to end: the half-block text is turned
 * back into a module matrix, rasterised with a quiet zone and decoded with
 * jsQR (tests/helpers/qr.ts), which must give back exactly the input.
 */

import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { QR_MAX_BYTES, renderQr, renderQrTerminal } from "../../src/cli/qr.ts";
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

Deno.test("renderQrTerminal() output decodes back to the pairing code in a version-1 symbol", () => {
  const out = renderQrTerminal(CODE);
  check(decodeTerminalQr(out) === CODE, "decoded text differs");
  check(!out.endsWith("\n") && !out.includes("\x1b"), "no trailing newline, no escape codes");
  // Upper-case codes use alphanumeric mode: 21 modules + a 1-module margin each side.
  check(terminalQrSymbol(out).dark.length === 21, "pairing code is not a version-1 symbol");
  check([...out.split("\n")[0]].length === 23, "compact margin is one module");
});

Deno.test("QR output paints light modules, so it reads right on a light-on-dark terminal", () => {
  // Glyphs are the light modules, so the code reads correctly on a
  // light-on-dark terminal and shows inverted on a dark-on-light one.
  const { dark, paintedIsLight } = terminalQrSymbol(renderQrTerminal(CODE));
  check(paintedIsLight, "glyphs were dark modules");
  // The decode check is sensitive to polarity: the wrong reading fails.
  check(decodeQrMatrix(dark.map((r) => r.map((x) => !x))) === null, "inverted matrix decoded");
  check(terminalQrSymbol(renderQr(CODE)).paintedIsLight, "renderQr differs in polarity");
});

Deno.test("renderQr() output decodes back to a ~300-byte wg-quick config within 80 columns", () => {
  const bytes = new TextEncoder().encode(WG_QUICK).length;
  check(bytes >= 280 && bytes <= 400, `sample is ${bytes} bytes`);
  const out = renderQr(WG_QUICK);
  check(decodeTerminalQr(out) === WG_QUICK, "decoded text differs");
  const width = [...out.split("\n")[0]].length;
  check(width <= 80, `too wide for an 80-column terminal: ${width}`);
  check(width === terminalQrSymbol(out).dark.length + 4, "margin is two modules");
});

Deno.test("renderQr() keeps UTF-8 text intact", () => {
  const unicode = "mycel ☕ café — ключ 🍄";
  check(decodeTerminalQr(renderQr(unicode)) === unicode, "UTF-8 payload did not survive");
  check(decodeTerminalQr(renderQrTerminal(unicode)) === unicode, "compact UTF-8 did not survive");
});

Deno.test("renderQr() and renderQrTerminal() decode back for any text (all modes)", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.stringMatching(/^[\x20-\x7e]{1,200}$/),
        fc.stringMatching(/^[0-9]{1,300}$/),
        fc.stringMatching(/^[A-Z0-9 $%*+./:-]{1,300}$/),
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
      ),
      (text) =>
        decodeTerminalQr(renderQr(text)) === text &&
        decodeTerminalQr(renderQrTerminal(text)) === text,
    ),
    { numRuns: 60 },
  );
});

Deno.test("renderQr() takes the largest byte payload and refuses one byte more", () => {
  const max = "x".repeat(QR_MAX_BYTES);
  check(terminalQrSymbol(renderQr(max)).dark.length === 177, "largest payload is version 40");
  expectBad(() => renderQr(max + "x"));
  expectBad(() => renderQr("é".repeat(QR_MAX_BYTES / 2 + 1)), "counted in UTF-8 bytes");
});

Deno.test("QR renderers refuse empty, oversized or broken payloads with a MycelError", () => {
  for (const f of [renderQr, renderQrTerminal]) {
    expectBad(() => f(""));
    expectBad(() => f("x".repeat(5000)));
    expectBad(() => f("a\ud800b"), "lone surrogate");
  }
});

function expectBad(f: () => unknown, label = "payload accepted"): void {
  try {
    f();
  } catch (e) {
    check(isMycelError(e, "bad_qr_payload"), String(e));
    return;
  }
  throw new Error(label);
}
