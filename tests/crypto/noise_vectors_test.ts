/**
 * @module noise_vectors_test
 * The Noise engine against every cacophony vector in tests/vectors/
 * (25519 with AESGCM_SHA256, ChaChaPoly_SHA256 and ChaChaPoly_BLAKE2s), each
 * played once as initiator and once as responder against the recorded
 * transcript: handshake messages, handshake hash and transport messages.
 */

import { NOISE_IK, NOISE_XXPSK3 } from "../../src/crypto/noise.ts";
import { loadNoiseVectors, type NoiseVector, playVectorRole } from "./noise_helpers.ts";

const vectors = await loadNoiseVectors();

function vectorFor(protocol: string): NoiseVector {
  const v = vectors.find((x) => x.protocol_name === protocol);
  if (!v) throw new Error(`no vector for ${protocol}`);
  return v;
}

Deno.test("Noise IK handshake reproduces the cacophony vector transcript", async (t) => {
  const v = vectorFor(NOISE_IK);
  await t.step("as initiator", () => playVectorRole(v, true));
  await t.step("as responder", () => playVectorRole(v, false));
});

Deno.test("Noise XXpsk3 handshake reproduces the cacophony vector transcript", async (t) => {
  const v = vectorFor(NOISE_XXPSK3);
  await t.step("as initiator", () => playVectorRole(v, true));
  await t.step("as responder", () => playVectorRole(v, false));
});

Deno.test("the vector file holds the 177 expected 25519 vectors", () => {
  if (vectors.length !== 177) throw new Error(`expected 177 vectors, found ${vectors.length}`);
});

for (const v of vectors) {
  if (v.protocol_name === NOISE_IK || v.protocol_name === NOISE_XXPSK3) continue;
  Deno.test(`${v.protocol_name} reproduces its cacophony transcript in both roles`, async () => {
    await playVectorRole(v, true);
    await playVectorRole(v, false);
  });
}

Deno.test("the vector driver notices a single wrong byte in a transcript", async () => {
  const v = vectorFor(NOISE_IK);
  const corrupt = (i: number, field: "payload" | "ciphertext") => {
    const messages = v.messages.map((m) => ({ ...m }));
    const hex = messages[i][field];
    messages[i][field] = hex.slice(0, -2) + (hex.endsWith("00") ? "01" : "00");
    return { ...v, messages };
  };
  const cases: [string, NoiseVector, boolean][] = [
    ["initiator, sent handshake message", corrupt(0, "ciphertext"), true],
    ["initiator, received handshake payload", corrupt(1, "payload"), true],
    ["responder, sent transport message", corrupt(3, "ciphertext"), false],
    ["responder, handshake hash", { ...v, handshake_hash: "00".repeat(32) }, false],
  ];
  for (const [label, vector, initiator] of cases) {
    let failed = false;
    try {
      await playVectorRole(vector, initiator);
    } catch {
      failed = true;
    }
    if (!failed) throw new Error(`corrupted vector passed: ${label}`);
  }
});
