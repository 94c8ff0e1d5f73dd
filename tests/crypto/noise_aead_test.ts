/**
 * The ChaChaPoly cipher function (`node:crypto`'s chacha20-poly1305) agrees
 * with an independent implementation (@noble/ciphers) on every key, nonce,
 * associated data and plaintext — empty, one frame, sizes across block
 * edges — and opens nothing altered: a flipped bit anywhere, a cut tag, a
 * wrong nonce or associated data all give undefined, never bytes. The
 * cacophony vectors (noise_vectors_test.ts) pin it to the spec besides.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { noiseCipher } from "../../src/crypto/noise_aead.ts";

const chacha = noiseCipher("ChaChaPoly")!;

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

Deno.test("ChaChaPoly seals as @noble/ciphers does and opens what it sealed", async () => {
  await fc.assert(
    fc.asyncProperty(input, async ({ key, nonce, ad, text }) => {
      const k = chacha.createKey(key);
      const sealed = await k.encrypt(nonce, ad, text);
      const want = chacha20poly1305(key, nonceBytes(nonce), ad).encrypt(text);
      assert.deepEqual(sealed, want);
      assert.deepEqual(await k.decrypt(nonce, ad, sealed), text);
    }),
    { numRuns: 300 },
  );
});

Deno.test("ChaChaPoly opens nothing altered: a flipped bit, a cut tag, another nonce or associated data", async () => {
  await fc.assert(
    fc.asyncProperty(input, fc.nat(), async ({ key, nonce, ad, text }, at) => {
      const k = chacha.createKey(key);
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

Deno.test("ChaChaPoly keys are copied: changing the caller's bytes changes nothing", async () => {
  const key = new Uint8Array(32).fill(1);
  const k = chacha.createKey(key);
  const before = await k.encrypt(0n, new Uint8Array(), new Uint8Array([1, 2, 3]));
  key.fill(2);
  assert.deepEqual(await k.encrypt(0n, new Uint8Array(), new Uint8Array([1, 2, 3])), before);
});
