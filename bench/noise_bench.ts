/**
 * @module noise_bench
 * Noise throughput and latency: transport encrypt+decrypt of full-size
 * (65535-byte) messages with AESGCM (WebCrypto) and ChaChaPoly (node:crypto), and a
 * complete IK handshake. MB/s = 65535 bytes / the reported time per iteration.
 *
 *     deno bench -A bench/noise_bench.ts
 */

import {
  generateNoiseKeyPair,
  Handshake,
  NOISE_IK,
  NOISE_MAX_PLAINTEXT,
  type TransportCiphers,
} from "../src/crypto/noise.ts";

async function session(protocol: string): Promise<{ a: TransportCiphers; b: TransportCiphers }> {
  const initiatorKey = generateNoiseKeyPair();
  const responderKey = generateNoiseKeyPair();
  const a = Handshake.create({
    protocol,
    initiator: true,
    staticKey: initiatorKey,
    remoteStatic: responderKey.publicKey,
  });
  const b = Handshake.create({ protocol, initiator: false, staticKey: responderKey });
  await b.readMessage(await a.writeMessage());
  await a.readMessage(await b.writeMessage());
  return { a: a.split(), b: b.split() };
}

const plaintext = crypto.getRandomValues(new Uint8Array(NOISE_MAX_PLAINTEXT));
const aes = await session(NOISE_IK);
const chacha = await session("Noise_IK_25519_ChaChaPoly_SHA256");

Deno.bench({
  name: "transport AESGCM encrypt+decrypt, 65535-byte message",
  group: "transport",
  baseline: true,
  async fn() {
    await aes.b.receive.decrypt(await aes.a.send.encrypt(plaintext));
  },
});

Deno.bench({
  name: "transport ChaChaPoly encrypt+decrypt, 65535-byte message",
  group: "transport",
  async fn() {
    await chacha.b.receive.decrypt(await chacha.a.send.encrypt(plaintext));
  },
});

const initiatorKey = generateNoiseKeyPair();
const responderKey = generateNoiseKeyPair();

Deno.bench({
  name: "full IK handshake (both sides, 2 messages, split)",
  group: "handshake",
  async fn() {
    const a = Handshake.create({
      protocol: NOISE_IK,
      initiator: true,
      staticKey: initiatorKey,
      remoteStatic: responderKey.publicKey,
    });
    const b = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: responderKey });
    await b.readMessage(await a.writeMessage());
    await a.readMessage(await b.writeMessage());
    a.split();
    b.split();
  },
});

// Reference point: bare WebCrypto AES-GCM on the same data, no Noise around it,
// to show how much of the transport time is the engine's own overhead.
const rawKey = await crypto.subtle.importKey("raw", new Uint8Array(32), "AES-GCM", false, [
  "encrypt",
  "decrypt",
]);
const iv = new Uint8Array(12);

Deno.bench({
  name: "reference: bare WebCrypto AES-GCM encrypt+decrypt, 65535 bytes",
  group: "transport",
  async fn() {
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, rawKey, plaintext);
    await crypto.subtle.decrypt({ name: "AES-GCM", iv }, rawKey, sealed);
  },
});
