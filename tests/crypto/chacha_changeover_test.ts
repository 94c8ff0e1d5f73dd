/**
 * @module chacha_changeover_test
 * A process's ChaChaPoly starts in JavaScript (@noble/ciphers) and changes
 * over to `node:crypto` once it has moved NATIVE_FROM bytes
 * (src/crypto/noise_chachapoly.ts). In a file of its own: the change-over happens
 * once per process (module state), and noise_aead_test.ts loads the native
 * cipher from its first test. Every message stays what @noble/ciphers
 * seals, messages in flight at the change-over included.
 */

import assert from "node:assert/strict";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { chachaBackend, ChaChaPolyKey, NATIVE_FROM } from "../../src/crypto/noise_chachapoly.ts";
import { noiseCipher } from "../../src/crypto/noise_ciphers.ts";

const chacha = noiseCipher("ChaChaPoly")!;

function nonceBytes(n: bigint): Uint8Array {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setBigUint64(4, n, true);
  return b;
}

Deno.test("a key changes over to the native cipher mid-stream, concurrent messages included, and every message stays the same", async () => {
  assert.equal(chachaBackend(), "javascript", "a new process starts in JavaScript");
  const key = crypto.getRandomValues(new Uint8Array(32));
  const k = chacha.createKey(key); // the default: JavaScript first
  const frame = (i: number) => new Uint8Array(60_000).fill(i);
  const total = Math.ceil((2 * NATIVE_FROM) / 60_000) + 4;
  // Sealed in parallel batches, so a change-over can fall between the
  // start and the end of another message.
  const sealed: Uint8Array[] = [];
  for (let i = 0; i < total; i += 4) {
    const batch = [0, 1, 2, 3].map((j) =>
      k.encrypt(BigInt(i + j), new Uint8Array([i]), frame(i + j))
    );
    sealed.push(...await Promise.all(batch));
  }
  for (let i = 0; i < total; i++) {
    const ad = new Uint8Array([i - (i % 4)]);
    assert.deepEqual(
      sealed[i],
      chacha20poly1305(key, nonceBytes(BigInt(i)), ad).encrypt(frame(i)),
      `message ${i}`,
    );
    assert.deepEqual(await k.decrypt(BigInt(i), ad, sealed[i]), frame(i));
  }
  assert.equal(chachaBackend(), "native", "changed over after NATIVE_FROM bytes");
  // What JavaScript sealed opens natively, and the other way round.
  const js = new ChaChaPolyKey(key, Infinity), nat = new ChaChaPolyKey(key, 0);
  const text = new Uint8Array([1, 2, 3]);
  assert.deepEqual(await nat.decrypt(9n, text, await js.encrypt(9n, text, text)), text);
  assert.deepEqual(await js.decrypt(9n, text, await nat.encrypt(9n, text, text)), text);
});
