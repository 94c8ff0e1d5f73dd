/**
 * The ChaChaPoly cipher function — @noble/ciphers for a process's first
 * bytes, `node:crypto`'s chacha20-poly1305 after (each tested on its own
 * here, and the change-over in between) — agrees with an independent
 * implementation (@noble/ciphers, called directly) on every key, nonce,
 * associated data and plaintext — empty, one frame, sizes across block
 * edges — and opens nothing altered: a flipped bit anywhere, a cut tag, a
 * wrong nonce or associated data all give undefined, never bytes. The
 * cacophony vectors (noise_vectors_test.ts) pin it to the spec besides.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ChaChaPolyKey } from "../../src/crypto/noise_chachapoly.ts";
import { noiseCipher } from "../../src/crypto/noise_ciphers.ts";

const chacha = noiseCipher("ChaChaPoly")!;

/** Each way a key may run: native from the first byte, JavaScript only, the default. */
const BACKENDS: [
  string,
  (key: Uint8Array) => ChaChaPolyKey | ReturnType<typeof chacha.createKey>,
][] = [
  ["native", (key) => new ChaChaPolyKey(key, 0)],
  ["JavaScript", (key) => new ChaChaPolyKey(key, Infinity)],
  ["default", (key) => chacha.createKey(key)],
];

function nonceBytes(n: bigint): Uint8Array {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setBigUint64(4, n, true);
  return b;
}

const input = fc.record({
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  nonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 2n }),
  ad: fc.uint8Array({ maxLength: 80 }),
  text: fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.integer({ min: 60, max: 70 }).map((n) => new Uint8Array(n).fill(7)),
    fc.constant(new Uint8Array(65535 - 16)),
  ),
});

for (const [backend, make] of BACKENDS) {
  Deno.test(`ChaChaPoly (${backend}) seals as @noble/ciphers does and opens what it sealed`, async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ key, nonce, ad, text }) => {
        const k = make(key);
        const sealed = await k.encrypt(nonce, ad, text);
        const want = chacha20poly1305(key, nonceBytes(nonce), ad).encrypt(text);
        assert.deepEqual(sealed, want);
        assert.deepEqual(await k.decrypt(nonce, ad, sealed), text);
      }),
      { numRuns: 300 },
    );
  });

  Deno.test(`ChaChaPoly (${backend}) encryptInto writes exactly what encrypt returns into the caller's bytes`, async () => {
    await fc.assert(
      fc.asyncProperty(input, async ({ key, nonce, ad, text }) => {
        const wire = new Uint8Array(text.length + 16 + 4).fill(0xee);
        await make(key).encryptInto(nonce, ad, text, wire.subarray(2, 2 + text.length + 16));
        assert.deepEqual(
          wire.subarray(2, 2 + text.length + 16),
          await make(key).encrypt(nonce, ad, text),
        );
        assert.deepEqual([...wire.subarray(0, 2), ...wire.subarray(wire.length - 2)], [
          0xee,
          0xee,
          0xee,
          0xee,
        ]);
      }),
      { numRuns: 100 },
    );
  });

  Deno.test(`ChaChaPoly (${backend}) opens nothing altered: a flipped bit, a cut tag, another nonce or associated data`, async () => {
    await fc.assert(
      fc.asyncProperty(input, fc.nat(), async ({ key, nonce, ad, text }, at) => {
        const k = make(key);
        const sealed = await k.encrypt(nonce, ad, text);
        const flipped = sealed.slice();
        flipped[at % flipped.length] ^= 1 << (at % 8);
        assert.equal(await k.decrypt(nonce, ad, flipped), undefined, "flipped bit");
        assert.equal(await k.decrypt(nonce, ad, sealed.subarray(0, sealed.length - 1)), undefined);
        assert.equal(
          await k.decrypt(nonce, ad, sealed.subarray(0, 15)),
          undefined,
          "shorter than a tag",
        );
        assert.equal(await k.decrypt(nonce + 1n, ad, sealed), undefined, "another nonce");
        const otherAd = new Uint8Array([...ad, 0]);
        assert.equal(await k.decrypt(nonce, otherAd, sealed), undefined, "other associated data");
      }),
      { numRuns: 200 },
    );
  });
}

Deno.test("ChaChaPoly keys are copied: changing the caller's bytes changes nothing", async () => {
  for (const [backend, make] of BACKENDS) {
    const key = new Uint8Array(32).fill(1);
    const k = make(key);
    const before = await k.encrypt(0n, new Uint8Array(), new Uint8Array([1, 2, 3]));
    key.fill(2);
    assert.deepEqual(
      await k.encrypt(0n, new Uint8Array(), new Uint8Array([1, 2, 3])),
      before,
      backend,
    );
  }
});
