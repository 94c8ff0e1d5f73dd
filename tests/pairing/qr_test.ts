/**
 * @module qr_test
 * The QR that `mycel pair` prints next to its code decodes back to exactly
 * that code (decoded with tests/helpers/qr.ts, as tests/cli/qr_test.ts does).
 */

import assert from "node:assert/strict";
import { decodePairingCode } from "../../src/protocol/pairing_code.ts";
import { decodeTerminalQr } from "../helpers/qr.ts";
import { device, startInviter } from "./_helpers.ts";

Deno.test("pairing: the printed QR decodes back to the printed code", async () => {
  await using a = await device("alpha");
  await a.init();
  const inv = await startInviter(a.t);
  try {
    await inv.proc.waitFor(/On the new device run/, { stream: "stdout" });
    const out = inv.proc.stdout;
    // Between the "Pairing code:" line (and its blank line) and the hint.
    const lines = out.split("\n");
    const start = lines.findIndex((l) => l.startsWith("Pairing code:"));
    const end = lines.findIndex((l) => l.startsWith("On the new device run"));
    assert.ok(start >= 0 && end > start, out);
    const block = lines.slice(start + 1, end).filter((l) => l !== "").join("\n");
    assert.ok(block.length > 0, `no QR block in:\n${out}`);
    assert.equal(decodeTerminalQr(block), inv.code);
    assert.match(out, new RegExp(`^Pairing code: ${inv.code}$`, "m"));
    assert.match(out, /^On the new device run `mycel pair` and type this code\.$/m);
    const decoded = decodePairingCode(inv.code);
    assert.deepEqual([decoded.host, decoded.port], ["127.0.0.1", inv.port]);
  } finally {
    await inv.proc.stop();
  }
});
