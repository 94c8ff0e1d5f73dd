/**
 * @module noise_cipher_state_test
 * Transport cipher states: nonce encoding checked against WebCrypto and noble
 * directly, the nonce limit, rekey as spec §11.3 defines it, size limits,
 * failed decryption leaving the counter alone, and call-order queueing.
 */

import assert from "node:assert/strict";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { CipherState, NOISE_MAX_MESSAGE, NOISE_MAX_PLAINTEXT } from "../../src/crypto/noise.ts";
import { noiseCipher } from "../../src/crypto/noise_ciphers.ts";
import { assertBytes, assertRejectsMycel } from "../helpers/assert.ts";
import { ikPair, runHandshake } from "./noise_helpers.ts";

const AESGCM = noiseCipher("AESGCM")!;
const CHACHA = noiseCipher("ChaChaPoly")!;
const KEY = crypto.getRandomValues(new Uint8Array(32));
const text = (s: string) => new TextEncoder().encode(s);

async function webAesGcm(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array) {
  const k = await crypto.subtle.importKey("raw", new Uint8Array(key), "AES-GCM", false, [
    "encrypt",
  ]);
  const params = { name: "AES-GCM", iv: new Uint8Array(iv), additionalData: new Uint8Array(0) };
  return new Uint8Array(await crypto.subtle.encrypt(params, k, new Uint8Array(plaintext)));
}

function nonceBytes(n: bigint, littleEndian: boolean): Uint8Array {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, n, littleEndian);
  return iv;
}

Deno.test("AESGCM nonces are 4 zero bytes and a big-endian counter", async () => {
  const cs = new CipherState(AESGCM, KEY);
  for (let n = 0n; n < 3n; n++) {
    const expected = await webAesGcm(KEY, nonceBytes(n, false), text("m"));
    assertBytes(await cs.encrypt(text("m")), expected, `nonce ${n}`);
  }
});

Deno.test("ChaChaPoly nonces are 4 zero bytes and a little-endian counter", async () => {
  const cs = new CipherState(CHACHA, KEY);
  for (let n = 0n; n < 3n; n++) {
    const expected = chacha20poly1305(KEY, nonceBytes(n, true)).encrypt(text("m"));
    assertBytes(await cs.encrypt(text("m")), expected, `nonce ${n}`);
  }
});

Deno.test("rekey replaces the key with ENCRYPT(k, 2^64-1, '', zeros) and keeps the counter", async () => {
  for (const cipher of [AESGCM, CHACHA]) {
    const cs = new CipherState(cipher, KEY);
    await cs.encrypt(text("first"));
    await cs.rekey();
    assert.equal(cs.nonce, 1n, `${cipher.name} counter kept`);
    const maxNonce = (1n << 64n) - 1n;
    const sealed = cipher.name === "AESGCM"
      ? await webAesGcm(KEY, nonceBytes(maxNonce, false), new Uint8Array(32))
      : chacha20poly1305(KEY, nonceBytes(maxNonce, true)).encrypt(new Uint8Array(32));
    const expected = new CipherState(cipher, sealed.subarray(0, 32));
    await expected.encrypt(text("skip nonce 0"));
    assertBytes(await cs.encrypt(text("x")), await expected.encrypt(text("x")), cipher.name);
  }
});

Deno.test("both sides rekeying at the same point keep the session working", async () => {
  const { initiator, responder } = ikPair();
  const t = await runHandshake(initiator, responder);
  await t.responder.receive.decrypt(await t.initiator.send.encrypt(text("before")));
  await t.initiator.send.rekey();
  const after = await t.initiator.send.encrypt(text("after"));
  await assertRejectsMycel(() => t.responder.receive.decrypt(after), "noise_decrypt", "old key");
  await t.responder.receive.rekey();
  assertBytes(await t.responder.receive.decrypt(after), text("after"), "new key");
});

Deno.test("the nonce limit stops encryption and decryption with a clear error", async () => {
  const { initiator, responder } = ikPair({ nonceLimit: 3n });
  const t = await runHandshake(initiator, responder);
  for (let i = 0; i < 3; i++) {
    await t.responder.receive.decrypt(await t.initiator.send.encrypt(text(`m${i}`)));
  }
  const e = await assertRejectsMycel(
    () => t.initiator.send.encrypt(text("x")),
    "noise_nonce_limit",
  );
  if (!/reconnect/i.test(String(e.hint))) {
    throw new Error(`hint should say to reconnect: ${e.hint}`);
  }
  await assertRejectsMycel(
    () => t.responder.receive.decrypt(new Uint8Array(20)),
    "noise_nonce_limit",
  );
  assert.equal(t.initiator.send.nonce, 3n, "counter stays at the limit");
});

Deno.test("a nonce limit outside 1..2^64-1 is a programming error", () => {
  for (const nonceLimit of [0n, 1n << 64n]) {
    try {
      new CipherState(AESGCM, KEY, { nonceLimit });
    } catch (e) {
      if (e instanceof RangeError) continue;
      throw e;
    }
    throw new Error(`nonceLimit ${nonceLimit} was accepted`);
  }
});

Deno.test("a failed decryption leaves the counter where it was", async () => {
  const send = new CipherState(AESGCM, KEY);
  const receive = new CipherState(AESGCM, KEY);
  const wire = await send.encrypt(text("genuine"), text("ad"));
  await assertRejectsMycel(() => receive.decrypt(wire, text("other ad")), "noise_decrypt", "ad");
  await assertRejectsMycel(() => receive.decrypt(wire.subarray(0, 15)), "noise_decrypt", "short");
  assert.equal(receive.nonce, 0n, "counter");
  assertBytes(await receive.decrypt(wire, text("ad")), text("genuine"), "genuine");
  assert.equal(receive.nonce, 1n, "counter after success");
});

Deno.test("transport messages are capped at 65535 bytes", async () => {
  const cs = new CipherState(AESGCM, KEY);
  await assertRejectsMycel(
    () => cs.encrypt(new Uint8Array(NOISE_MAX_PLAINTEXT + 1)),
    "noise_too_large",
    "plaintext",
  );
  assert.equal(cs.nonce, 0n, "refused plaintext used no nonce");
  const largest = await cs.encrypt(new Uint8Array(NOISE_MAX_PLAINTEXT));
  assert.equal(largest.length, NOISE_MAX_MESSAGE, "largest message");
  const receive = new CipherState(AESGCM, KEY);
  await assertRejectsMycel(
    () => receive.decrypt(new Uint8Array(NOISE_MAX_MESSAGE + 1)),
    "noise_too_large",
    "ciphertext",
  );
  assert.equal((await receive.decrypt(largest)).length, NOISE_MAX_PLAINTEXT, "round trip");
});

Deno.test("calls made without awaiting are processed in call order", async () => {
  const send = new CipherState(AESGCM, KEY);
  const receive = new CipherState(AESGCM, KEY);
  const wires = await Promise.all(Array.from({ length: 20 }, (_, i) => send.encrypt(text(`${i}`))));
  const plain = await Promise.all(wires.map((w) => receive.decrypt(w)));
  plain.forEach((p, i) => assertBytes(p, text(`${i}`), `message ${i}`));
});

Deno.test("encryptAll gives what one encrypt after another gives, and moves the counter past all", async () => {
  for (const cipher of [AESGCM, CHACHA]) {
    const one = new CipherState(cipher, KEY);
    const all = new CipherState(cipher, KEY);
    await one.encrypt(text("before"));
    await all.encrypt(text("before"));
    const pieces = [text("a"), new Uint8Array(NOISE_MAX_PLAINTEXT).fill(7), text(""), text("d")];
    const serial: Uint8Array[] = [];
    for (const p of pieces) serial.push(await one.encrypt(p));
    const together = await all.encryptAll(pieces);
    assert.equal(together.length, pieces.length);
    together.forEach((w, i) => assertBytes(w, serial[i], `${cipher.name} frame ${i}`));
    assert.equal(all.nonce, 5n);
    // The next call continues after them.
    assertBytes(await all.encrypt(text("after")), await one.encrypt(text("after")));
  }
});

Deno.test("encryptAll refuses an oversize piece or a batch past the nonce limit and leaves the counter", async () => {
  const s = new CipherState(AESGCM, KEY, { nonceLimit: 4n });
  await assertRejectsMycel(
    () => s.encryptAll([text("ok"), new Uint8Array(NOISE_MAX_PLAINTEXT + 1)]),
    "noise_too_large",
  );
  assert.equal(s.nonce, 0n);
  await s.encryptAll([text("1"), text("2")]);
  await assertRejectsMycel(
    () => s.encryptAll([text("3"), text("4"), text("5")]),
    "noise_nonce_limit",
  );
  assert.equal(s.nonce, 2n, "a batch that does not fit uses no nonce");
  await s.encryptAll([text("3"), text("4")]);
  assert.equal(s.nonce, 4n);
});

Deno.test("encryptAllInto writes what encryptAll returns into the caller's views, and moves the counter the same", async () => {
  for (const cipher of [AESGCM, CHACHA]) {
    const all = new CipherState(cipher, KEY);
    const into = new CipherState(cipher, KEY);
    await all.encrypt(text("before"));
    await into.encrypt(text("before"));
    const pieces = [text("a"), new Uint8Array(NOISE_MAX_PLAINTEXT).fill(7), text(""), text("d")];
    const want = await all.encryptAll(pieces);
    const wire = new Uint8Array(pieces.reduce((n, p) => n + p.length + 16, 0));
    let at = 0;
    const outs = pieces.map((p) => wire.subarray(at, at += p.length + 16));
    await into.encryptAllInto(pieces, outs);
    outs.forEach((w, i) => assertBytes(w, want[i], `${cipher.name} frame ${i}`));
    assert.equal(into.nonce, all.nonce);
    assertBytes(await into.encrypt(text("after")), await all.encrypt(text("after")));
  }
});

Deno.test("encryptAllInto refuses an oversize piece, a batch past the nonce limit or a wrong-sized output, and leaves the counter", async () => {
  const s = new CipherState(CHACHA, KEY, { nonceLimit: 2n });
  const big = new Uint8Array(NOISE_MAX_PLAINTEXT + 1);
  await assertRejectsMycel(
    () => s.encryptAllInto([big], [new Uint8Array(big.length + 16)]),
    "noise_too_large",
  );
  const three = [text("1"), text("2"), text("3")];
  await assertRejectsMycel(
    () => s.encryptAllInto(three, three.map(() => new Uint8Array(17))),
    "noise_nonce_limit",
  );
  await assert.rejects(() => s.encryptAllInto([text("1")], [new Uint8Array(16)]), RangeError);
  await assert.rejects(() => s.encryptAllInto([text("1")], []), RangeError);
  assert.equal(s.nonce, 0n);
});

Deno.test("decryptAll opens a run of frames as one decrypt after another would, and moves the counter past all", async () => {
  for (const cipher of [AESGCM, CHACHA]) {
    const send = new CipherState(cipher, KEY);
    const receive = new CipherState(cipher, KEY);
    await receive.decrypt(await send.encrypt(text("before")));
    const pieces = [text("a"), new Uint8Array(NOISE_MAX_PLAINTEXT).fill(7), text(""), text("d")];
    const wire = await send.encryptAll(pieces);
    const opened = await receive.decryptAll(wire);
    opened.forEach((p, i) => assertBytes(p, pieces[i], `${cipher.name} frame ${i}`));
    assert.equal(receive.nonce, 5n);
    assertBytes(await receive.decrypt(await send.encrypt(text("after"))), text("after"));
  }
});

Deno.test("decryptAll refuses the whole run when one frame is forged or past the limit, and leaves the counter", async () => {
  const send = new CipherState(AESGCM, KEY);
  const receive = new CipherState(AESGCM, KEY, { nonceLimit: 4n });
  const wire = await send.encryptAll([text("1"), text("2"), text("3")]);
  const forged = wire[1].slice();
  forged[0] ^= 1;
  await assertRejectsMycel(() => receive.decryptAll([wire[0], forged, wire[2]]), "noise_decrypt");
  assert.equal(receive.nonce, 0n, "no frame of a refused run counts");
  await assertRejectsMycel(
    () => receive.decryptAll([wire[0], new Uint8Array(NOISE_MAX_PLAINTEXT + 17)]),
    "noise_too_large",
  );
  // The genuine frames still open, in order, after the refusals.
  const opened = await receive.decryptAll(wire);
  opened.forEach((p, i) => assertBytes(p, text(`${i + 1}`)));
  const more = await send.encryptAll([text("4"), text("5")]);
  await assertRejectsMycel(() => receive.decryptAll(more), "noise_nonce_limit");
  assert.equal(receive.nonce, 3n, "a run that does not fit uses no nonce");
});
