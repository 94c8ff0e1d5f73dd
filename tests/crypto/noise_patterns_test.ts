/**
 * @module noise_patterns_test
 * The pattern table and modifiers: every base pattern parses and completes a
 * handshake with fresh keys under every cipher/hash pair (SHA512 and BLAKE2b
 * have no cacophony vectors in tests/vectors/, so this round trip is their
 * only check), and psk modifiers land where spec §9.2 puts them.
 */

import assert from "node:assert/strict";
import { NOISE_BASE_PATTERNS, noisePattern } from "../../src/crypto/noise.ts";
import { assertBytes } from "../helpers/assert.ts";
import { randomPair, runHandshake } from "./noise_helpers.ts";

Deno.test("the pattern table holds the 38 one-way, fundamental and deferred patterns", () => {
  assert.equal(NOISE_BASE_PATTERNS.length, 38, "pattern count");
  for (const name of ["N", "K", "X"]) assert.equal(noisePattern(name)?.oneWay, true, name);
  assert.equal(noisePattern("IK")?.oneWay, false, "IK");
});

Deno.test("psk modifiers go first in message 1 (psk0) or last in message N (pskN)", () => {
  const p = noisePattern("NNpsk0+psk2")!;
  assert.equal(p.pskCount, 2, "psk count");
  assert.equal(p.messages[0].tokens.join(","), "psk,e", "message 1");
  assert.equal(p.messages[1].tokens.join(","), "e,ee,psk", "message 2");
  assert.equal(noisePattern("XXpsk3")!.messages[2].tokens.join(","), "s,se,psk", "XXpsk3");
  assert.equal(noisePattern("IK")!.pskCount, 0, "no modifiers");
  for (const bad of ["XXpsk4", "NNpsk1+psk1", "XXfallback", "XXpsk", "xx", "ZZ"]) {
    assert.equal(noisePattern(bad), undefined, bad);
  }
});

const SUITES = [
  "AESGCM_SHA256",
  "AESGCM_SHA512",
  "AESGCM_BLAKE2s",
  "AESGCM_BLAKE2b",
  "ChaChaPoly_SHA256",
  "ChaChaPoly_SHA512",
  "ChaChaPoly_BLAKE2s",
  "ChaChaPoly_BLAKE2b",
];

for (const suite of SUITES) {
  Deno.test(`every base pattern completes with fresh keys over 25519_${suite}`, async () => {
    for (const base of NOISE_BASE_PATTERNS) {
      const protocol = `Noise_${base}_25519_${suite}`;
      const { initiator, responder } = randomPair(protocol);
      const t = await runHandshake(initiator, responder, [new Uint8Array([1, 2, 3])]);
      const data = new TextEncoder().encode(protocol);
      assertBytes(await t.responder.receive.decrypt(await t.initiator.send.encrypt(data)), data);
    }
  });
}

Deno.test("several psk modifiers at once complete a handshake", async () => {
  for (const name of ["NNpsk0+psk2", "XXpsk0+psk3", "IKpsk1+psk2", "Kpsk0+psk1"]) {
    const { initiator, responder } = randomPair(`Noise_${name}_25519_AESGCM_SHA256`);
    await runHandshake(initiator, responder, [new Uint8Array([9])]);
  }
});
