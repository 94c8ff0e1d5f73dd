/**
 * @module wrong_code_hangup_test
 * A wrong guess counts even when the guesser is gone by the time it is
 * told. A stranger runs a real pairing attempt with a code of its own
 * (CPace, then the first Noise message keyed by it) and resets the
 * connection as soon as that message is out: the inviter's refusal cannot
 * be written, and before, that failure made the attempt "failed", not
 * "wrong" — guesses ended that way never used up the code's three tries.
 * Real processes on loopback.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { generateNoiseKeyPair, Handshake } from "../../src/crypto/noise.ts";
import { decodePairAnswer, encodePairHello } from "../../src/protocol/pairing_messages.ts";
import { PAIRING_NOISE, pairingPrologue } from "../../src/sync/pairing_common.ts";
import { MAX_ATTEMPTS } from "../../src/sync/pairing_invite_types.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { framed, guessedShare, startInviter } from "./_helpers.ts";

/** One guess with a random code; the connection is reset once the guess is sent. */
async function guessAndReset(port: number): Promise<void> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  let buf = new Uint8Array(0);
  const frame = new Promise<Uint8Array>((resolve) => {
    socket.on("data", (d: Uint8Array) => {
      const n = new Uint8Array(buf.length + d.length);
      n.set(buf);
      n.set(d, buf.length);
      buf = n;
      if (buf.length >= 2 && buf.length >= 2 + ((buf[0] << 8) | buf[1])) {
        resolve(buf.slice(2, 2 + ((buf[0] << 8) | buf[1])));
      }
    });
  });
  const { sid, cpace } = guessedShare();
  socket.write(framed(encodePairHello({ sid, share: cpace.message })));
  const answer = decodePairAnswer(await frame);
  assert.ok("share" in answer, "the inviter answers a pairing request");
  const { isk } = cpace.finish(answer.share);
  const hs = Handshake.create({
    protocol: PAIRING_NOISE,
    initiator: true,
    prologue: pairingPrologue(sid, cpace.message, answer.share),
    staticKey: generateNoiseKeyPair(),
    psks: [isk.slice(0, 32)],
  });
  const m0 = framed(await hs.writeMessage());
  await new Promise<void>((resolve) => socket.write(m0, () => resolve()));
  socket.resetAndDestroy();
}

Deno.test("pairing: a wrong guess whose guesser hangs up at once still uses up an attempt", async () => {
  await using inviter = await tempHome();
  await inviter.run(["init", "--name", "hearth"]);
  const inv = await startInviter(inviter, { ttl: "1m" });
  try {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      await guessAndReset(inv.port);
      await new Promise((r) => setTimeout(r, 300));
    }
    // Three wrong guesses cancel the code: the inviter ends (after 5 s of
    // telling late joiners why), well before the code's minute is up.
    const timer = setTimeout(() => void inv.proc.stop(), 20_000);
    const i = await inv.proc.result();
    clearTimeout(timer);
    assert.match(i.stderr, /too many wrong attempts; pairing cancelled/, describe(["pair"], i));
    assert.notEqual(i.code, 0, describe(["pair"], i));
  } finally {
    await inv.proc.stop();
  }
});
