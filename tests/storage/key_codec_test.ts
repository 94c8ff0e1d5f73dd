/**
 * @module key_codec_test
 * Key material bytes and text (key_codec.ts), the passphrase seal's bounds
 * (key_seal.ts) and the export file (key_transfer.ts): round trips, every
 * malformed or hostile input refused with a named MycelError and no secret
 * in its text, scrypt costs a file may not demand, and the export's device
 * label bound to its ciphertext. Decoders are fuzzed with random and mutated
 * bytes: only MycelErrors come out, and whatever opens re-encodes the same.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { toBase64Url } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { deviceIdOf, type DeviceKeys } from "../../src/log/identity.ts";
import {
  checkKeysBelong,
  decodeKeyMaterial,
  encodeKeyMaterial,
  keyMaterialText,
  keysFromText,
  sameKeys,
} from "../../src/storage/key_codec.ts";
import { parseSeal, SCRYPT, sealBytes, unsealBytes } from "../../src/storage/key_seal.ts";
import {
  decodeKeyExport,
  encodeKeyExport,
  MAX_EXPORT,
  openKeyExport,
} from "../../src/storage/key_transfer.ts";
import { assertMycelError, assertRejectsMycel } from "../helpers/assert.ts";
import { testKeys } from "../log/helpers.ts";
import { assertNoSecret } from "./_key_fakes.ts";

const [A, B] = await testKeys(2);

Deno.test("key material: bytes and keyring text round-trip; sameKeys compares all six keys", () => {
  assert.deepEqual(decodeKeyMaterial(encodeKeyMaterial(A), "x"), A);
  assert.deepEqual(keysFromText(keyMaterialText(A), "x"), A);
  assert.deepEqual(keysFromText(`${keyMaterialText(A)}\n`, "x"), A, "a trailing newline is fine");
  assert.ok(sameKeys(A, decodeKeyMaterial(encodeKeyMaterial(A), "x")));
  assert.ok(!sameKeys(A, B));
  assert.ok(!sameKeys(A, { ...A, wgPrivate: B.wgPrivate }), "one differing key is enough");
});

Deno.test("key material: malformed bytes and text are bad_keys naming the source, no secret", () => {
  const full = encodeKeyMaterial(A);
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["not CBOR", new Uint8Array([0xff])],
    ["array", encodeCbor([1])],
    ["null", encodeCbor(null)],
    ["key missing", encodeCbor({ s: A.signPrivate })],
    ["key 33 bytes", encodeCbor({ ...map(A), n: new Uint8Array(33) })],
    ["key a string", encodeCbor({ ...map(A), w: "x" })],
    ["too large", new Uint8Array(2000)],
    ["truncated", full.subarray(0, full.length - 3)],
  ];
  for (const [label, bytes] of cases) {
    const e = assertMycelError(() => decodeKeyMaterial(bytes, "the place"), "bad_keys", label);
    assert.match(e.message, /\(the place\)$/, label);
    assertNoSecret(label, e.message, A);
  }
  for (const text of ["", "!!!", "a b", "x".repeat(5000), toBase64Url(new Uint8Array([1, 2]))]) {
    assertMycelError(() => keysFromText(text, "item"), "bad_keys", JSON.stringify(text));
  }
});

function map(k: DeviceKeys) {
  return {
    s: k.signPrivate,
    S: k.signPublic,
    n: k.noisePrivate,
    N: k.noisePublic,
    w: k.wgPrivate,
    W: k.wgPublic,
  };
}

Deno.test("checkKeysBelong: another device's keys are wrong_device with the home's id in the hint", () => {
  assert.equal(checkKeysBelong(A, deviceIdOf(A), "here"), A);
  const e = assertMycelError(
    () => checkKeysBelong(B, deviceIdOf(A), "the credential"),
    "wrong_device",
  );
  assert.match(e.message, /the credential holds another device's keys/);
  assert.ok(e.hint?.includes(deviceIdOf(A)));
});

Deno.test("key material decoder fuzz: random bytes give only bad_keys; decoded keys re-encode the same", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      try {
        const k = decodeKeyMaterial(bytes, "fuzz");
        assert.deepEqual(decodeKeyMaterial(encodeKeyMaterial(k), "again"), k);
      } catch (e) {
        assert.ok(isMycelError(e, "bad_keys"), String(e));
      }
    }),
    { seed: 7, numRuns: 3000 },
  );
});

Deno.test("parseSeal: accepts ours, refuses malformed seals and costs above 64 MiB of scrypt memory", () => {
  const good = {
    kdf: "scrypt",
    ...SCRYPT,
    salt: new Uint8Array(16),
    nonce: new Uint8Array(12),
  };
  assert.deepEqual(parseSeal(good), good);
  const bad: Record<string, unknown>[] = [
    { ...good, kdf: "argon2" },
    { ...good, N: 1 << 13 }, // too cheap
    { ...good, N: (1 << 15) + 1 }, // not a power of two
    { ...good, N: 1 << 20, r: 8 }, // 1 GiB
    { ...good, r: 0 },
    { ...good, p: 99 },
    { ...good, N: 2 ** 60 },
    { ...good, N: "32768" },
    { ...good, salt: new Uint8Array(15) },
    { ...good, nonce: undefined },
  ];
  for (const b of bad) assert.equal(parseSeal(b), undefined, JSON.stringify({ ...b, salt: 0 }));
  assert.equal(parseSeal(null), undefined);
  assert.equal(parseSeal("x"), undefined);
});

Deno.test("sealBytes/unsealBytes: round trip; wrong passphrase or other AAD is bad_passphrase", async () => {
  const data = encodeKeyMaterial(A);
  const aad = new TextEncoder().encode("label");
  const { seal, body } = await sealBytes("pw", data, aad);
  const opts = { action: "open it", hint: "h", aad };
  assert.deepEqual(await unsealBytes("pw", seal, body, opts), data);
  await assertRejectsMycel(() => unsealBytes("pW", seal, body, opts), "bad_passphrase");
  await assertRejectsMycel(
    () => unsealBytes("pw", seal, body, { ...opts, aad: new TextEncoder().encode("other") }),
    "bad_passphrase",
  );
});

Deno.test("key export: round trip; file names its device and holds no secret", async () => {
  const bytes = await encodeKeyExport(A, "correct horse");
  assertNoSecret("export file", bytes, A, "correct horse");
  const file = decodeKeyExport(bytes, "f");
  assert.equal(file.device, deviceIdOf(A));
  assert.deepEqual(await openKeyExport(file, "correct horse", "f"), A);
  const e = await assertRejectsMycel(() => openKeyExport(file, "wrong", "f"), "bad_passphrase");
  assertNoSecret("error", e.message + (e.hint ?? ""), A, "correct horse");
  await assertRejectsMycel(() => encodeKeyExport(A, ""), "passphrase_needed");
});

Deno.test("key export: a file relabelled for another device does not open", async () => {
  const file = decodeKeyExport(await encodeKeyExport(A, "pw"), "f");
  const relabelled = { ...file, device: deviceIdOf(B) };
  await assertRejectsMycel(() => openKeyExport(relabelled, "pw", "f"), "bad_passphrase");
});

Deno.test("key export: malformed files are bad_key_export naming the file", async () => {
  const good = await encodeKeyExport(A, "pw");
  const outer = decodeKeyExport(good, "f");
  const base = { v: 1, kind: "mycel-device-keys", device: outer.device, seal: outer.seal };
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["not CBOR", new Uint8Array([0xff, 1])],
    ["too large", new Uint8Array(MAX_EXPORT + 1)],
    ["a key file", encodeCbor({ v: 1, seal: null, body: encodeKeyMaterial(A) })],
    ["array", encodeCbor([1])],
    ["version 2", encodeCbor({ ...base, v: 2, body: outer.body })],
    ["bad device", encodeCbor({ ...base, device: "me", body: outer.body })],
    ["bad seal", encodeCbor({ ...base, seal: { kdf: "scrypt" }, body: outer.body })],
    ["costly seal", encodeCbor({ ...base, seal: { ...outer.seal, N: 1 << 22 }, body: outer.body })],
    ["short body", encodeCbor({ ...base, body: new Uint8Array(5) })],
    ["body text", encodeCbor({ ...base, body: "x" })],
  ];
  for (const [label, bytes] of cases) {
    const e = assertMycelError(() => decodeKeyExport(bytes, "the file"), "bad_key_export", label);
    assert.match(e.message, /\(the file\)$/, label);
  }
});

Deno.test("key export decoder fuzz: random and mutated files give only MycelErrors", async () => {
  const good = await encodeKeyExport(A, "pw");
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      try {
        decodeKeyExport(bytes, "fuzz");
      } catch (e) {
        assert.ok(isMycelError(e, "bad_key_export"), String(e));
      }
    }),
    { seed: 11, numRuns: 3000 },
  );
  // Mutations of a real file: the outer layer either refuses or still names
  // device A; opening (each costs one scrypt) then refuses or gives A's keys.
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: good.length - 1 }),
      fc.integer({ min: 1, max: 255 }),
      async (at, mask) => {
        const bytes = good.slice();
        bytes[at] ^= mask;
        let file;
        try {
          file = decodeKeyExport(bytes, "m");
        } catch (e) {
          assert.ok(isMycelError(e, "bad_key_export"), String(e));
          return;
        }
        try {
          assert.deepEqual(await openKeyExport(file, "pw", "m"), A);
        } catch (e) {
          assert.ok(isMycelError(e) && /bad_passphrase|bad_key_export/.test(e.code), String(e));
        }
      },
    ),
    { seed: 12, numRuns: 40 },
  );
});
