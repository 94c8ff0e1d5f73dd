/**
 * @module handshake_io_test
 * Handshakes over frames: the three-message XXpsk3 through `exchange` with a
 * payload per message, a responder refusing a device mid-handshake, a wrong
 * PSK, a peer hanging up, and role mistakes. In memory: the TCP path is
 * covered by secure_channel_test.ts.
 */

import assert from "node:assert/strict";
import { bytesEqual } from "../../src/bytes.ts";
import {
  generateNoiseKeyPair,
  Handshake,
  NOISE_IK,
  NOISE_IK_AESGCM,
  NOISE_XXPSK3,
} from "../../src/crypto/noise.ts";
import { MycelError } from "../../src/errors.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import {
  exchange,
  initiatorHandshake,
  responderHandshake,
} from "../../src/transport/handshake_io.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { memoryPipe, STRICT } from "./helpers.ts";

const text = (s: string) => new TextEncoder().encode(s);
const words = (payload: Uint8Array | undefined) => payload && new TextDecoder().decode(payload);

function xxPsk3(psk: Uint8Array, initiator: boolean) {
  const staticKey = generateNoiseKeyPair();
  return {
    key: staticKey,
    hs: Handshake.create({ protocol: NOISE_XXPSK3, initiator, staticKey, psks: [psk] }),
  };
}

function conns() {
  const [x, y] = memoryPipe();
  return { left: new FrameConn(x), right: new FrameConn(y), x, y };
}

Deno.test(
  "exchange() runs all three XXpsk3 messages with a payload per message",
  STRICT,
  async () => {
    const psk = crypto.getRandomValues(new Uint8Array(32));
    const alice = xxPsk3(psk, true);
    const bob = xxPsk3(psk, false);
    const { left, right } = conns();
    const checked: number[] = [];
    const [a, b] = await Promise.all([
      exchange(left, alice.hs, 1000, { payload: (i) => text(`alice ${i}`) }),
      exchange(right, bob.hs, 1000, {
        payload: (i) => text(`bob ${i}`),
        received(i, _payload, hs) {
          // The initiator's static key is only known after message 2.
          if (i === 2) assert.deepEqual(hs.remoteStatic, alice.key.publicKey);
          checked.push(i);
        },
      }),
    ]);
    assert.deepEqual(a.payloads.map(words), [undefined, "bob 1", undefined]);
    assert.deepEqual(b.payloads.map(words), ["alice 0", undefined, "alice 2"]);
    assert.deepEqual(checked, [0, 2]);
    assert.deepEqual(a.channel.remoteStatic, bob.key.publicKey);
    assert.ok(bytesEqual(a.channel.handshakeHash, b.channel.handshakeHash));
    await a.channel.send(text("state"));
    assert.equal(words((await b.channel.receive(1000)) ?? undefined), "state");
    a.channel.close();
    b.channel.close();
  },
);

Deno.test("exchange() stops and closes when a hook refuses the peer", STRICT, async () => {
  const psk = crypto.getRandomValues(new Uint8Array(32));
  const { left, right, y } = conns();
  const refusal = new MycelError("removed", "accept device", "it was removed from the mesh");
  const [a, b] = await Promise.allSettled([
    exchange(left, xxPsk3(psk, true).hs, 1000),
    exchange(right, xxPsk3(psk, false).hs, 1000, {
      received(i) {
        if (i === 2) throw refusal;
      },
    }),
  ]);
  assert.equal(b.status === "rejected" && b.reason, refusal);
  assert.ok(right.closed && y.closed());
  // The initiator finished its side before the refusal; it learns on first use.
  assert.equal(a.status, "fulfilled");
  if (a.status === "fulfilled") {
    assert.equal(await a.value.channel.receive(1000), null);
    a.value.channel.close();
  }
});

Deno.test("exchange() fails with noise_decrypt when the PSKs differ", STRICT, async () => {
  const { left, right } = conns();
  const [a, b] = await Promise.allSettled([
    exchange(left, xxPsk3(new Uint8Array(32).fill(1), true).hs, 1000),
    exchange(right, xxPsk3(new Uint8Array(32).fill(2), false).hs, 1000),
  ]);
  assert.equal(b.status === "rejected" && b.reason.code, "noise_decrypt");
  assert.ok(right.closed);
  // psk3 enters in the initiator's last message: only the responder can tell.
  assert.equal(a.status, "fulfilled");
  if (a.status === "fulfilled") {
    assert.equal(await a.value.channel.receive(1000), null);
    a.value.channel.close();
  }
});

Deno.test("responderHandshake() hands decide the payload and IK static key", STRICT, async () => {
  const alice = generateNoiseKeyPair();
  const bob = generateNoiseKeyPair();
  const { left, right } = conns();
  const i = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    staticKey: alice,
    remoteStatic: bob.publicKey,
  });
  const r = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: bob });
  const [a, b] = await Promise.all([
    initiatorHandshake(left, i, text("sync please"), 1000),
    responderHandshake(right, r, 1000, (payload, remoteStatic) => {
      assert.equal(words(payload), "sync please");
      assert.deepEqual(remoteStatic, alice.publicKey);
      return Promise.resolve(text("refused: revoked device"));
    }),
  ]);
  assert.equal(words(a.replyPayload), "refused: revoked device");
  assert.equal(words(b.payload), "sync please");
  a.channel.close();
  b.channel.close();
});

Deno.test(
  "initiatorHandshake() reports a responder that hangs up as connection_closed",
  STRICT,
  async () => {
    const bob = generateNoiseKeyPair();
    const { left, y } = conns();
    const i = Handshake.create({
      protocol: NOISE_IK,
      initiator: true,
      staticKey: generateNoiseKeyPair(),
      remoteStatic: bob.publicKey,
    });
    const pending = initiatorHandshake(left, i, new Uint8Array(0), 1000);
    y.close();
    const error = await assertRejectsMycel(pending, "connection_closed");
    assert.match(error.message, /hung up during the handshake|reset|closed/);
    assert.ok(left.closed);
  },
);

Deno.test("The role helpers refuse the wrong side and close the connection", STRICT, async () => {
  const { left, right } = conns();
  const responder = Handshake.create({
    protocol: NOISE_IK,
    initiator: false,
    staticKey: generateNoiseKeyPair(),
  });
  await assertRejectsMycel(
    initiatorHandshake(left, responder, new Uint8Array(0), 1000),
    "transport_state",
  );
  assert.ok(left.closed);
  const initiator = xxPsk3(new Uint8Array(32), true).hs;
  await assertRejectsMycel(
    responderHandshake(right, initiator, 1000, () => Promise.resolve(new Uint8Array(0))),
    "transport_state",
  );
  assert.ok(right.closed);
});

/** A responder offering IK under both names, and an initiator speaking `protocol` to it. */
async function pickedBy(protocol: string, remote?: Uint8Array) {
  const alice = generateNoiseKeyPair();
  const bob = generateNoiseKeyPair();
  const { left, right } = conns();
  const i = Handshake.create({
    protocol,
    initiator: true,
    staticKey: alice,
    remoteStatic: remote ?? bob.publicKey,
  });
  const offered = [NOISE_IK, NOISE_IK_AESGCM].map((p) =>
    Handshake.create({ protocol: p, initiator: false, staticKey: bob })
  );
  const [a, b] = await Promise.allSettled([
    initiatorHandshake(left, i, text("hello"), 1000),
    responderHandshake(right, offered, 1000, (payload, rs) => {
      assert.deepEqual(rs, alice.publicKey);
      return Promise.resolve(text(`hi, ${words(payload)}`));
    }),
  ]);
  return { a, b, offered, left, right };
}

Deno.test(
  "a responder offering two protocol names completes with an initiator speaking either, and the channel works",
  STRICT,
  async () => {
    for (const protocol of [NOISE_IK, NOISE_IK_AESGCM]) {
      const { a, b, offered } = await pickedBy(protocol);
      assert.equal(a.status, "fulfilled", protocol);
      assert.equal(b.status, "fulfilled", protocol);
      if (a.status !== "fulfilled" || b.status !== "fulfilled") continue;
      assert.equal(words(a.value.replyPayload), "hi, hello");
      assert.equal(words(b.value.payload), "hello");
      // Both ways, several messages: the two sides split the same cipher.
      for (let n = 0; n < 3; n++) {
        await a.value.channel.send(text(`ping ${n}`));
        assert.equal(words((await b.value.channel.receive(1000))!), `ping ${n}`);
        await b.value.channel.send(text(`pong ${n}`));
        assert.equal(words((await a.value.channel.receive(1000))!), `pong ${n}`);
      }
      // The candidate not picked is disposed: it can't be used any more.
      const unused = offered.find((h) => h.protocol !== protocol)!;
      await assertRejectsMycel(unused.readMessage(new Uint8Array(96)), "noise_state");
      a.value.channel.close();
      b.value.channel.close();
    }
  },
);

Deno.test(
  "a responder offering two protocol names refuses a third, and a stranger, closing the connection",
  STRICT,
  async () => {
    const other = await pickedBy("Noise_IK_25519_ChaChaPoly_BLAKE2s");
    assert.equal(other.b.status, "rejected");
    if (other.b.status === "rejected") {
      assert.ok(other.b.reason instanceof MycelError);
      assert.equal((other.b.reason as MycelError).code, "noise_decrypt");
    }
    assert.ok(other.right.closed);
    // Dialled with the wrong key for the responder: nothing reads it either.
    const stranger = await pickedBy(NOISE_IK, generateNoiseKeyPair().publicKey);
    assert.equal(stranger.b.status, "rejected");
    assert.ok(stranger.right.closed);
    for (const h of [...other.offered, ...stranger.offered]) {
      await assertRejectsMycel(h.readMessage(new Uint8Array(96)), "noise_state");
    }
  },
);
