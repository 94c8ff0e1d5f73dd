/**
 * @module interrupt_test
 * Ctrl-C during pairing, on real `mycel` processes sent SIGINT by their PID:
 * either side stops with exit 130 (ExitCode.interrupted) and says the
 * pairing was cancelled, without a "try again" hint, and admits nothing.
 */

import assert from "node:assert/strict";
import { ExitCode } from "../../src/errors.ts";
import { encodePairingCode, PAIRING_SECRET_BYTES } from "../../src/protocol/pairing_code.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { device, exists, startInviter } from "./_helpers.ts";

for (const side of ["pair", "mesh add-device"] as const) {
  Deno.test(`pairing: Ctrl-C on the inviting side (${side}) exits 130 saying the pairing was cancelled`, async () => {
    await using a = await device("alpha");
    await a.init();
    // startInviter returns once the code is shown: the invitation is waiting.
    const inv = await startInviter(a.t, side === "pair" ? {} : { name: "newcomer" });
    try {
      assert.ok(inv.proc.kill("SIGINT"), "the inviter was still running");
      const r = await inv.proc.result();
      assert.equal(r.code, ExitCode.interrupted, describe([side], r));
      assert.match(r.stderr, /^error: Cannot add device: the pairing was cancelled here$/m);
      assert.doesNotMatch(r.stderr, /^hint:/m, "cancelling is not a failure to fix");
      assert.equal((await a.meshList()).length, 1, "nobody was admitted");
    } finally {
      await inv.proc.stop();
    }
  });
}

Deno.test("pairing: Ctrl-C on the joining side exits 130 saying the pairing was cancelled, with no home left", async () => {
  // An "inviter" that accepts the connection and never answers: the joiner waits.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const code = encodePairingCode({
    host: "127.0.0.1",
    port: listener.addr.port,
    secret: crypto.getRandomValues(new Uint8Array(PAIRING_SECRET_BYTES)),
  });
  await using j = await tempHome("mycel-pair-interrupt-");
  await using joiner = j.spawn(["pair", "-", "--name", "late"], { stdin: code });
  const conn = await listener.accept();
  try {
    // Its first message: the joiner has connected and is waiting for the answer.
    assert.ok((await conn.read(new Uint8Array(4096)) ?? 0) > 0, "the joiner sent nothing");
    assert.ok(joiner.kill("SIGINT"), "the joiner was still running");
    const r = await joiner.result();
    assert.equal(r.code, ExitCode.interrupted, describe(["pair", "-"], r));
    assert.match(r.stderr, /^error: Cannot join mesh: the pairing was cancelled here$/m);
    assert.doesNotMatch(r.stderr, /^hint:/m);
    assert.equal(await exists(j.home), false, "a cancelled pairing left a home");
  } finally {
    conn.close();
    listener.close();
  }
});
