/**
 * @module key_store_test
 * The key file: plain and passphrase-sealed round trips, mode 0600, the
 * passphrase errors (`passphrase_needed`, `bad_passphrase`), damaged files,
 * keyring stubs (no secret; malformed ones refused), and no secret in any
 * error message.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { toBase64, toHex } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { deviceIdOf, type DeviceKeys } from "../../src/log/identity.ts";
import { readKeyFile, readKeys, writeKeys, writeKeyStub } from "../../src/storage/key_store.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { indexOfBytes, testKeys } from "../log/helpers.ts";
import { listDir, modeOf, tempDir } from "./helpers.ts";

const [KEYS] = await testKeys(1);
const SECRETS = (k: DeviceKeys) => [k.signPrivate, k.noisePrivate, k.wgPrivate];

function assertNoSecret(text: string, k: DeviceKeys, passphrase?: string): void {
  for (const s of SECRETS(k)) {
    assert.ok(!text.includes(toHex(s)) && !text.includes(toBase64(s)), "a private key leaked");
  }
  if (passphrase) assert.ok(!text.includes(passphrase), "the passphrase leaked");
}

Deno.test("writeKeys()/readKeys() round-trip without a passphrase; the file is 0600", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  await writeKeys(path, KEYS);
  assert.equal(await modeOf(path), 0o600);
  assert.deepEqual(await readKeys(path, undefined), KEYS);
  assert.deepEqual(await readKeys(path, "ignored when not sealed"), KEYS);
  assert.deepEqual(await listDir(dir.path), ["keys.cbor"]);
});

Deno.test("writeKeys() with a passphrase seals the keys: no private key bytes in the file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  await writeKeys(path, KEYS, "correct horse");
  assert.equal(await modeOf(path), 0o600);
  const file = await Deno.readFile(path);
  for (const s of SECRETS(KEYS)) assert.equal(indexOfBytes(file, s), -1);
  assert.deepEqual(await readKeys(path, "correct horse"), KEYS);
});

Deno.test("readKeys() of sealed keys: wrong passphrase is bad_passphrase, none is passphrase_needed", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  await writeKeys(path, KEYS, "correct horse");
  const wrong = await assertRejectsMycel(() => readKeys(path, "Correct horse"), "bad_passphrase");
  assert.match(wrong.hint ?? "", /MYCEL_PASSPHRASE/);
  assertNoSecret(wrong.message + (wrong.hint ?? ""), KEYS, "Correct horse");
  for (const none of [undefined, ""]) {
    const e = await assertRejectsMycel(() => readKeys(path, none), "passphrase_needed");
    assert.match(e.hint ?? "", /MYCEL_PASSPHRASE/);
  }
});

Deno.test("writeKeys() seals with a fresh salt and nonce each time", async () => {
  await using dir = await tempDir();
  await writeKeys(`${dir.path}/a`, KEYS, "pw");
  await writeKeys(`${dir.path}/b`, KEYS, "pw");
  const a = await Deno.readFile(`${dir.path}/a`);
  const b = await Deno.readFile(`${dir.path}/b`);
  assert.notDeepEqual(a, b);
});

Deno.test("readKeys() of a missing file is bad_keys naming the path", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  const e = await assertRejectsMycel(() => readKeys(path, undefined), "bad_keys");
  assert.ok(e.message.includes(path));
  assert.match(e.message, /missing/);
});

Deno.test("readKeys() rejects damaged key files with a MycelError and no secret", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  const plainBody = (m: Record<string, unknown>) =>
    encodeCbor({ v: 1, seal: null, body: encodeCbor(m) });
  const full = {
    s: KEYS.signPrivate,
    S: KEYS.signPublic,
    n: KEYS.noisePrivate,
    N: KEYS.noisePublic,
    w: KEYS.wgPrivate,
    W: KEYS.wgPublic,
  };
  const cases: [string, Uint8Array][] = [
    ["not CBOR", new Uint8Array([0xff, 0x00])],
    ["empty", new Uint8Array(0)],
    ["not a map", encodeCbor([1, 2])],
    ["version 2", encodeCbor({ v: 2, seal: null, body: encodeCbor(full) })],
    ["no body", encodeCbor({ v: 1, seal: null })],
    ["body not bytes", encodeCbor({ v: 1, seal: null, body: "x" })],
    [
      "a key missing",
      plainBody(Object.fromEntries(Object.entries(full).filter(([k]) => k !== "w"))),
    ],
    ["a key 31 bytes", plainBody({ ...full, s: KEYS.signPrivate.subarray(1) })],
    ["body not a map", encodeCbor({ v: 1, seal: null, body: encodeCbor(5) })],
    [
      "seal without salt",
      encodeCbor({
        v: 1,
        seal: { kdf: "scrypt", nonce: new Uint8Array(12) },
        body: new Uint8Array(50),
      }),
    ],
  ];
  for (const [label, bytes] of cases) {
    await Deno.writeFile(path, bytes);
    let err: unknown;
    try {
      await readKeys(path, "pw");
    } catch (e) {
      err = e;
    }
    assert.ok(
      isMycelError(err, "bad_keys") || isMycelError(err, "bad_encoding"),
      `${label}: ${err}`,
    );
    assertNoSecret((err as Error).message, KEYS, "pw");
  }
});

Deno.test("readKeys() of a sealed file with a flipped ciphertext byte is refused", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  await writeKeys(path, KEYS, "pw");
  const bytes = await Deno.readFile(path);
  bytes[bytes.length - 5] ^= 1; // inside the AES-GCM ciphertext/tag
  await Deno.writeFile(path, bytes);
  // AES-GCM cannot tell a wrong passphrase from a damaged file.
  await assertRejectsMycel(() => readKeys(path, "pw"), "bad_passphrase");
});

Deno.test("readKeys() of an unreadable file is a permission error naming the path", async () => {
  if (Deno.uid() === 0) return; // root reads anything
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  await writeKeys(path, KEYS);
  await Deno.chmod(path, 0o000);
  const e = await assertRejectsMycel(() => readKeys(path, undefined), "permission_denied");
  assert.ok(e.message.includes(path));
});

Deno.test("a keyring stub round-trips, holds no secret, and readKeys() says the keys are elsewhere", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  const stub = {
    store: "secret-service" as const,
    device: deviceIdOf(KEYS),
    tag: "0123456789abcdef",
  };
  await writeKeyStub(path, stub);
  assert.equal(await modeOf(path), 0o600);
  assert.deepEqual(await readKeyFile(path), { form: "stub", ...stub });
  const bytes = await Deno.readFile(path);
  for (const s of SECRETS(KEYS)) assert.equal(indexOfBytes(bytes, s), -1);
  await assertRejectsMycel(() => readKeys(path, undefined), "keys_elsewhere");
});

Deno.test("readKeyFile() refuses malformed stubs and oversized files as bad_keys", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  const good = { v: 2, store: "keychain", device: deviceIdOf(KEYS), tag: "0123456789abcdef" };
  const cases: [string, Uint8Array][] = [
    ["unknown store", encodeCbor({ ...good, store: "pass" })],
    ["device not an id", encodeCbor({ ...good, device: "../../etc" })],
    ["tag not hex", encodeCbor({ ...good, tag: "xyz" })],
    ["no tag", encodeCbor({ v: good.v, store: good.store, device: good.device })],
    ["oversized", new Uint8Array(5000)],
  ];
  for (const [label, bytes] of cases) {
    await Deno.writeFile(path, bytes);
    await assertRejectsMycel(() => readKeyFile(path), "bad_keys", label);
  }
});

Deno.test("readKeyFile() fuzz: random and mutated key files give only bad_keys, or a well-formed result", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/keys.cbor`;
  await writeKeys(path, KEYS);
  const plainFile = await Deno.readFile(path);
  await writeKeyStub(path, {
    store: "keychain",
    device: deviceIdOf(KEYS),
    tag: "0123456789abcdef",
  });
  const stubFile = await Deno.readFile(path);
  const random = fc.sample(fc.uint8Array({ maxLength: 300 }), { seed: 3, numRuns: 300 });
  const mutated = fc.sample(
    fc.tuple(fc.constantFrom(plainFile, stubFile), fc.nat(), fc.integer({ min: 1, max: 255 })),
    { seed: 4, numRuns: 400 },
  ).map(([base, at, mask]) => {
    const b = base.slice();
    b[at % b.length] ^= mask;
    return b;
  });
  for (const bytes of [...random, ...mutated]) {
    await Deno.writeFile(path, bytes);
    try {
      const f = await readKeyFile(path);
      if (f.form === "stub") assert.match(f.tag, /^[0-9a-f]{16}$/);
      else if (f.form === "plain") {
        try {
          await readKeys(path, undefined);
        } catch (e) {
          assert.ok(isMycelError(e, "bad_keys"), String(e));
        }
      }
    } catch (e) {
      assert.ok(isMycelError(e, "bad_keys"), String(e));
    }
  }
});
