/**
 * @module identity_test
 * Device keys and signatures: key sizes, ids derived from the signing key,
 * Signer/verifySignature agreement, and verification that returns false
 * (never throws) for malformed keys and signatures.
 */

import assert from "node:assert/strict";
import { utf8 } from "../../src/bytes.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { deviceIdOf, generateDeviceKeys, Signer, verifySignature } from "../../src/log/identity.ts";
import { testKeys } from "./helpers.ts";

const MSG = utf8("hello mycel");

Deno.test("generateDeviceKeys() makes three distinct 32-byte key pairs", async () => {
  const k = await generateDeviceKeys();
  for (const v of Object.values(k)) assert.equal(v.length, 32);
  const hex = Object.values(k).map((v) => v.toHex());
  assert.equal(new Set(hex).size, 6);
  const k2 = await generateDeviceKeys();
  assert.notEqual(k2.signPublic.toHex(), k.signPublic.toHex());
});

Deno.test("deviceIdOf() and Signer.id are the display id of the signing public key", async () => {
  const [k] = await testKeys(1);
  const s = new Signer(k);
  assert.equal(deviceIdOf(k), deviceIdFromKey(k.signPublic));
  assert.equal(s.id, deviceIdOf(k));
  assert.deepEqual(s.publicKey, k.signPublic);
});

Deno.test("Signer.sign() gives 64-byte signatures that verifySignature() accepts", async () => {
  const [k, other] = await testKeys(2);
  const sig = await new Signer(k).sign(MSG);
  assert.equal(sig.length, 64);
  assert.ok(await verifySignature(k.signPublic, MSG, sig));
  assert.equal(await verifySignature(other.signPublic, MSG, sig), false);
  assert.equal(await verifySignature(k.signPublic, utf8("hello mycem"), sig), false);
});

Deno.test("verifySignature() returns false, never throws, for malformed keys and signatures", async () => {
  const [k] = await testKeys(1);
  const sig = await new Signer(k).sign(MSG);
  const cases: [Uint8Array, Uint8Array][] = [
    [k.signPublic.subarray(1), sig],
    [new Uint8Array(33), sig],
    [k.signPublic, sig.subarray(1)],
    [k.signPublic, new Uint8Array(65)],
    [new Uint8Array(0), new Uint8Array(0)],
    [new Uint8Array(32).fill(0xff), sig], // not a curve point
    [new Uint8Array(32), sig], // small-order point
    [k.signPublic, new Uint8Array(64)],
    [k.signPublic, new Uint8Array(64).fill(0xff)], // S >= L
  ];
  for (const [key, s] of cases) assert.equal(await verifySignature(key, MSG, s), false);
  // A malformed key that was cached as failing does not disturb good ones.
  assert.ok(await verifySignature(k.signPublic, MSG, sig));
});

Deno.test("Signer.sign() with an unusable key fails with bad_key", async () => {
  const [k] = await testKeys(1);
  const broken = new Signer({ signPrivate: new Uint8Array(5), signPublic: k.signPublic });
  await assert.rejects(
    () => broken.sign(MSG),
    (e: Error & { code?: string }) => e.code === "bad_key",
  );
});
