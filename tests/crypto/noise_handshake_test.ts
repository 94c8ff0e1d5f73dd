/**
 * @module noise_handshake_test
 * Handshake behaviour beyond the vectors: turn order, wrong-state calls,
 * rejected messages leaving the state untouched, key validation, option
 * checks, size limits, one-way patterns, and secrets kept out of error text.
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/bytes.ts";
import {
  generateNoiseKeyPair,
  Handshake,
  NOISE_IK,
  NOISE_MAX_MESSAGE,
  NOISE_XXPSK3,
} from "../../src/crypto/noise.ts";
import { assertBytes, assertRejectsMycel } from "../helpers/assert.ts";
import { ikPair, PROLOGUE, runHandshake, xxPsk3Pair } from "./noise_helpers.ts";

const text = (s: string) => new TextEncoder().encode(s);

// The order-8 point of Curve25519 and an all-zero key: both give a zero DH output.
const LOW_ORDER = fromHex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
const ZERO_KEY = new Uint8Array(32);

Deno.test("IK between fresh keys agrees on the hash and carries payloads both ways", async () => {
  const { initiator, responder } = ikPair();
  const t = await runHandshake(initiator, responder, [text("hello"), text("welcome")]);
  assertBytes(
    await t.responder.receive.decrypt(await t.initiator.send.encrypt(text("a"))),
    text("a"),
  );
  assertBytes(
    await t.initiator.receive.decrypt(await t.responder.send.encrypt(text("b"))),
    text("b"),
  );
});

Deno.test("the IK responder knows the initiator's static key right after message 1", async () => {
  const { initiator, responder, initiatorKey } = ikPair();
  assert.equal(responder.remoteStatic, undefined, "before message 1");
  await responder.readMessage(await initiator.writeMessage());
  assertBytes(responder.remoteStatic!, initiatorKey.publicKey, "after message 1");
  assert.equal(responder.turn, "write", "turn");
});

Deno.test("XXpsk3 with equal PSKs completes and exchanges both static keys", async () => {
  const { initiator, responder } = xxPsk3Pair();
  await runHandshake(initiator, responder, [text("1"), text("2"), text("3")]);
  assert.equal(initiator.remoteStatic?.length, 32, "initiator learned a key");
  assert.equal(responder.remoteStatic?.length, 32, "responder learned a key");
});

Deno.test("XXpsk3 with different PSKs fails authentication at the responder", async () => {
  const a = crypto.getRandomValues(new Uint8Array(32));
  const { initiator, responder } = xxPsk3Pair(a, crypto.getRandomValues(new Uint8Array(32)));
  await responder.readMessage(await initiator.writeMessage());
  await initiator.readMessage(await responder.writeMessage());
  const third = await initiator.writeMessage();
  await assertRejectsMycel(() => responder.readMessage(third), "noise_decrypt", "wrong psk");
  assert.equal(responder.complete, false, "responder not complete");
});

Deno.test("IK aimed at the wrong responder key is rejected by the responder", async () => {
  const { responder } = ikPair();
  const stranger = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    prologue: PROLOGUE,
    staticKey: generateNoiseKeyPair(),
    remoteStatic: generateNoiseKeyPair().publicKey,
  });
  await assertRejectsMycel(
    async () => responder.readMessage(await stranger.writeMessage()),
    "noise_decrypt",
  );
});

Deno.test("calls out of turn or in the wrong state are refused", async () => {
  const { initiator, responder } = ikPair();
  await assertRejectsMycel(() => responder.writeMessage(), "noise_state", "responder writes first");
  await assertRejectsMycel(
    () => initiator.readMessage(new Uint8Array(48)),
    "noise_state",
    "init reads",
  );
  await assertRejectsMycel(() => initiator.split(), "noise_state", "split before complete");
  await assertRejectsMycel(() => initiator.handshakeHash, "noise_state", "hash before complete");
  await runHandshake(initiator, responder);
  await assertRejectsMycel(() => initiator.writeMessage(), "noise_state", "write after split");
  await assertRejectsMycel(() => initiator.split(), "noise_state", "second split");
});

Deno.test("a second handshake call while one is running is refused", async () => {
  const { initiator } = ikPair();
  const first = initiator.writeMessage();
  await assertRejectsMycel(() => initiator.writeMessage(), "noise_state", "concurrent write");
  await first;
});

Deno.test("a tampered IK message is rejected and the genuine one still works", async () => {
  const { initiator, responder } = ikPair();
  const message = await initiator.writeMessage(text("payload"));
  const bad = new Uint8Array(message);
  bad[bad.length - 1] ^= 1;
  await assertRejectsMycel(() => responder.readMessage(bad), "noise_decrypt", "tampered");
  assert.equal(responder.remoteStatic, undefined, "no static key learned");
  assertBytes(await responder.readMessage(message), text("payload"), "genuine");
  await runHandshake(initiator, responder);
});

Deno.test("low-order ephemeral keys in a message are rejected without advancing", async () => {
  const { initiator, responder } = ikPair();
  const message = await initiator.writeMessage();
  for (const key of [LOW_ORDER, ZERO_KEY]) {
    const bad = new Uint8Array(message);
    bad.set(key, 0);
    await assertRejectsMycel(() => responder.readMessage(bad), "noise_bad_key", toHex(key));
  }
  await responder.readMessage(message);
  assert.equal(responder.turn, "write", "advanced once");
});

Deno.test("low-order or malformed static keys are refused when the handshake starts", async () => {
  for (const remoteStatic of [LOW_ORDER, ZERO_KEY, new Uint8Array(31)]) {
    await assertRejectsMycel(
      () =>
        Handshake.create({
          protocol: NOISE_IK,
          initiator: true,
          staticKey: generateNoiseKeyPair(),
          remoteStatic,
        }),
      "noise_bad_key",
      `remote static of ${remoteStatic.length} bytes`,
    );
  }
});

Deno.test("truncated and oversize handshake messages are refused without advancing", async () => {
  const { initiator, responder } = ikPair();
  const message = await initiator.writeMessage();
  await assertRejectsMycel(() => responder.readMessage(message.subarray(0, 40)), "noise_truncated");
  await assertRejectsMycel(() => responder.readMessage(message.subarray(0, 90)), "noise_truncated");
  const huge = new Uint8Array(NOISE_MAX_MESSAGE + 1);
  await assertRejectsMycel(() => responder.readMessage(huge), "noise_too_large");
  await responder.readMessage(message);
  // 65535 bytes of payload plus the reply's 48 bytes of keys and tag is too much.
  await assertRejectsMycel(
    () => responder.writeMessage(new Uint8Array(NOISE_MAX_MESSAGE)),
    "noise_too_large",
  );
  const fits = new Uint8Array(NOISE_MAX_MESSAGE - 48);
  const reply = await responder.writeMessage(fits);
  assert.equal(reply.length, NOISE_MAX_MESSAGE, "largest reply");
  assertBytes(await initiator.readMessage(reply), fits, "largest payload");
});

Deno.test("options that do not fit the pattern are refused", async () => {
  const key = generateNoiseKeyPair();
  const peer = generateNoiseKeyPair().publicKey;
  const psk = new Uint8Array(32);
  const cases: [string, () => unknown][] = [
    [
      "IK without static key",
      () => Handshake.create({ protocol: NOISE_IK, initiator: true, remoteStatic: peer }),
    ],
    [
      "IK without remote static",
      () => Handshake.create({ protocol: NOISE_IK, initiator: true, staticKey: key }),
    ],
    ["XX with remote static", () =>
      Handshake.create({
        protocol: NOISE_XXPSK3,
        initiator: true,
        staticKey: key,
        remoteStatic: peer,
        psks: [psk],
      })],
    [
      "XXpsk3 without psk",
      () => Handshake.create({ protocol: NOISE_XXPSK3, initiator: true, staticKey: key }),
    ],
    ["short psk", () =>
      Handshake.create({
        protocol: NOISE_XXPSK3,
        initiator: true,
        staticKey: key,
        psks: [new Uint8Array(16)],
      })],
    ["NN with static key", () =>
      Handshake.create({
        protocol: "Noise_NN_25519_AESGCM_SHA256",
        initiator: true,
        staticKey: key,
      })],
  ];
  for (const [label, fn] of cases) await assertRejectsMycel(fn, "noise_config", label);
  // A pair whose halves do not match is refused before any message is made
  // (checked with WebCrypto, so at the first message rather than here).
  const mismatched = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    staticKey: { publicKey: peer, privateKey: key.privateKey },
    remoteStatic: peer,
  });
  await assertRejectsMycel(() => mismatched.writeMessage(), "noise_bad_key", "mismatched key pair");
  const ephemeral = generateNoiseKeyPair();
  const badEphemeral = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    staticKey: key,
    remoteStatic: peer,
    ephemeral: { publicKey: peer, privateKey: ephemeral.privateKey },
  });
  await assertRejectsMycel(
    () => badEphemeral.writeMessage(),
    "noise_bad_key",
    "mismatched ephemeral",
  );
});

Deno.test("unsupported protocol names are refused with the name in the message", async () => {
  for (
    const name of [
      "Noise_XXfallback_25519_AESGCM_SHA256",
      "Noise_IK_448_AESGCM_SHA256",
      "Noise_IK_25519_AESGCM_MD5",
      "Noise_IK_25519_DES_SHA256",
      "Noise_ZZ_25519_AESGCM_SHA256",
      "Noise_NNpsk3_25519_AESGCM_SHA256",
      "Noise_NNpsk0+psk0_25519_AESGCM_SHA256",
      "IK",
    ]
  ) {
    const e = await assertRejectsMycel(
      () => Handshake.create({ protocol: name, initiator: true }),
      "noise_protocol",
      name,
    );
    if (!e.message.includes(name)) throw new Error(`message lacks the name: ${e.message}`);
  }
});

Deno.test("one-way patterns refuse traffic in the missing direction", async () => {
  const responderKey = generateNoiseKeyPair();
  const initiator = Handshake.create({
    protocol: "Noise_N_25519_ChaChaPoly_BLAKE2s",
    initiator: true,
    remoteStatic: responderKey.publicKey,
  });
  const responder = Handshake.create({
    protocol: "Noise_N_25519_ChaChaPoly_BLAKE2s",
    initiator: false,
    staticKey: responderKey,
  });
  const t = await runHandshake(initiator, responder);
  assertBytes(
    await t.responder.receive.decrypt(await t.initiator.send.encrypt(text("x"))),
    text("x"),
  );
  await assertRejectsMycel(
    () => t.responder.send.encrypt(text("y")),
    "noise_state",
    "responder send",
  );
  await assertRejectsMycel(() => t.initiator.receive.decrypt(new Uint8Array(17)), "noise_state");
});

Deno.test("the caller's static key survives split and dispose blocks further calls", async () => {
  const { initiator, responder, initiatorKey } = ikPair();
  const before = toHex(initiatorKey.privateKey);
  await runHandshake(initiator, responder);
  assert.equal(toHex(initiatorKey.privateKey), before, "caller's private key");
  const { initiator: other } = ikPair();
  other.dispose();
  await assertRejectsMycel(() => other.writeMessage(), "noise_state", "after dispose");
});

Deno.test("error messages never contain private key bytes", async () => {
  const key = generateNoiseKeyPair();
  const secret = toHex(key.privateKey);
  const errors = [
    await assertRejectsMycel(
      () =>
        Handshake.create({
          protocol: NOISE_IK,
          initiator: true,
          staticKey: { publicKey: LOW_ORDER, privateKey: key.privateKey },
          remoteStatic: key.publicKey,
        }),
      "noise_bad_key",
    ),
    await assertRejectsMycel(
      () =>
        Handshake.create({
          protocol: "Noise_NN_25519_AESGCM_SHA256",
          initiator: true,
          staticKey: key,
        }),
      "noise_config",
    ),
  ];
  for (const e of errors) {
    if (e.message.includes(secret) || String(e.cause ?? "").includes(secret)) {
      throw new Error(`private key leaked into: ${e.message}`);
    }
  }
});
