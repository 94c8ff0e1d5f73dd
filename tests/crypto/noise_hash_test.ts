/**
 * @module noise_hash_test
 * Noise's HKDF (spec §4.3) is RFC 5869 HKDF with the chaining key as salt and
 * an empty info: check ours against @noble/hashes' independent HKDF for every
 * hash, including SHA512 and BLAKE2b, which no shared vector covers.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { blake2b, blake2s } from "@noble/hashes/blake2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { noiseHash, noiseHkdf } from "../../src/crypto/noise_hash.ts";
import { assertBytes } from "../helpers/assert.ts";

const REFERENCE = { SHA256: sha256, SHA512: sha512, BLAKE2s: blake2s, BLAKE2b: blake2b };

Deno.test("Noise HKDF equals RFC 5869 HKDF(salt = ck, info = empty) for every hash", () => {
  for (const [name, fn] of Object.entries(REFERENCE)) {
    const hash = noiseHash(name)!;
    assert.equal(hash.hashLen, fn.outputLen, `${name} length`);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: hash.hashLen, maxLength: hash.hashLen }),
        fc.uint8Array({ maxLength: 100 }),
        (ck, ikm) => {
          const expected = hkdf(fn, ikm, ck, new Uint8Array(0), 3 * hash.hashLen);
          const [a, b, c] = noiseHkdf(hash, ck, ikm, 3);
          const [a2, b2] = noiseHkdf(hash, ck, ikm, 2);
          const n = hash.hashLen;
          assertBytes(a, expected.subarray(0, n), `${name} output 1`);
          assertBytes(b, expected.subarray(n, 2 * n), `${name} output 2`);
          assertBytes(c, expected.subarray(2 * n), `${name} output 3`);
          assertBytes(a2, a, `${name} two outputs`);
          assertBytes(b2, b, `${name} two outputs`);
        },
      ),
      { numRuns: 50 },
    );
  }
});

Deno.test("HASH(a || b) feeds both parts", () => {
  const hash = noiseHash("BLAKE2b")!;
  const a = new Uint8Array([1, 2]);
  const b = new Uint8Array([3]);
  assertBytes(hash.hash(a, b), blake2b(new Uint8Array([1, 2, 3])), "concatenation");
  assert.equal(noiseHash("MD5"), undefined, "unknown hash");
  assert.equal(noiseHash("toString"), undefined, "prototype name");
});
