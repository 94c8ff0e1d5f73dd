/**
 * @module noise_property_test
 * fast-check properties of the Noise engine: random payloads round-trip,
 * any flipped bit or random message is rejected and leaves the receiving
 * state able to accept the genuine message, oversize input is refused, and
 * the nonce limit holds exactly.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { ErrorCode } from "../../src/errors.ts";
import { type Handshake, NOISE_MAX_MESSAGE, NOISE_MAX_PLAINTEXT } from "../../src/crypto/noise.ts";
import { assertBytes, assertRejectsMycel } from "../helpers/assert.ts";
import { flipBit, ikPair, runHandshake, xxPsk3Pair } from "./noise_helpers.ts";

const payload = fc.uint8Array({ maxLength: 512 });
// What a rejected handshake message may be reported as.
const REJECTED: readonly ErrorCode[] = ["noise_decrypt", "noise_bad_key", "noise_truncated"];

Deno.test("random payloads round-trip through IK handshake and transport", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(payload, { minLength: 4, maxLength: 4 }), async (ps) => {
      const { initiator, responder } = ikPair();
      const t = await runHandshake(initiator, responder, ps.slice(0, 2));
      assertBytes(await t.responder.receive.decrypt(await t.initiator.send.encrypt(ps[2])), ps[2]);
      assertBytes(await t.initiator.receive.decrypt(await t.responder.send.encrypt(ps[3])), ps[3]);
    }),
    { numRuns: 40 },
  );
});

/** Make `pair`, play messages up to `index`, and return the reader and the genuine message. */
async function messageAt(
  pair: { initiator: Handshake; responder: Handshake },
  index: number,
  body: Uint8Array,
): Promise<{ reader: Handshake; writer: Handshake; message: Uint8Array }> {
  for (let i = 0;; i++) {
    const [writer, reader] = pair.initiator.turn === "write"
      ? [pair.initiator, pair.responder]
      : [pair.responder, pair.initiator];
    const message = await writer.writeMessage(body);
    if (i === index) return { reader, writer, message };
    await reader.readMessage(message);
  }
}

for (
  const [name, make, count] of [
    ["IK", () => ikPair(), 2],
    ["XXpsk3", () => xxPsk3Pair(), 3],
  ] as const
) {
  Deno.test(`a flipped bit in any ${name} handshake message is rejected without advancing`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: count - 1 }),
        fc.nat(),
        payload,
        async (index, bit, body) => {
          const { reader, message } = await messageAt(make(), index, body);
          const turn = reader.turn;
          await assertRejectsMycel(() => reader.readMessage(flipBit(message, bit)), REJECTED);
          assert.equal(reader.turn, turn, "turn unchanged");
          assertBytes(await reader.readMessage(message), body, "genuine message");
        },
      ),
      { numRuns: 60 },
    );
  });
}

Deno.test("random bytes as an IK handshake message are rejected without advancing", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (junk) => {
      const { reader, message } = await messageAt(ikPair(), 0, new Uint8Array(0));
      await assertRejectsMycel(() => reader.readMessage(junk), REJECTED);
      await reader.readMessage(message);
    }),
    { numRuns: 60 },
  );
});

Deno.test("a flipped bit in a transport message is rejected and the stream continues", async () => {
  const { initiator, responder } = ikPair();
  const t = await runHandshake(initiator, responder);
  await fc.assert(
    fc.asyncProperty(payload, fc.nat(), fc.uint8Array({ maxLength: 16 }), async (p, bit, ad) => {
      const wire = await t.initiator.send.encrypt(p, ad);
      const before = t.responder.receive.nonce;
      await assertRejectsMycel(
        () => t.responder.receive.decrypt(flipBit(wire, bit), ad),
        "noise_decrypt",
      );
      assert.equal(t.responder.receive.nonce, before, "counter unchanged");
      assertBytes(await t.responder.receive.decrypt(wire, ad), p, "genuine message");
    }),
    { numRuns: 200 },
  );
});

Deno.test("oversize transport and handshake input is always refused", async () => {
  const { initiator, responder } = ikPair();
  const t = await runHandshake(initiator, responder);
  const fresh = ikPair();
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4096 }), async (extra) => {
      const big = new Uint8Array(NOISE_MAX_PLAINTEXT + extra);
      await assertRejectsMycel(() => t.initiator.send.encrypt(big), "noise_too_large");
      const huge = new Uint8Array(NOISE_MAX_MESSAGE + extra);
      await assertRejectsMycel(() => t.responder.receive.decrypt(huge), "noise_too_large");
      await assertRejectsMycel(() => fresh.responder.readMessage(huge), "noise_too_large");
      await assertRejectsMycel(() => fresh.initiator.writeMessage(huge), "noise_too_large");
    }),
    { numRuns: 30 },
  );
  assert.equal(t.initiator.send.nonce, 0n, "no nonce spent on refused input");
  assert.equal(fresh.initiator.turn, "write", "handshake did not advance");
});

Deno.test("exactly nonceLimit messages pass, the next is refused", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 12 }), async (limit) => {
      const { initiator, responder } = ikPair({ nonceLimit: BigInt(limit) });
      const t = await runHandshake(initiator, responder);
      for (let i = 0; i < limit; i++) {
        await t.responder.receive.decrypt(await t.initiator.send.encrypt(new Uint8Array([i])));
      }
      await assertRejectsMycel(
        () => t.initiator.send.encrypt(new Uint8Array(1)),
        "noise_nonce_limit",
      );
      await assertRejectsMycel(
        () => t.responder.receive.decrypt(new Uint8Array(17)),
        "noise_nonce_limit",
      );
    }),
    { numRuns: 15 },
  );
});
