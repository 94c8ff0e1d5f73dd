/**
 * @module sign_now_test
 * A home's own entries are signed without a turn of the event loop
 * (src/log/sign_now.ts): the same signatures WebCrypto gives (Ed25519 is
 * deterministic), so every release verifies them; a key pair whose halves
 * do not match is refused.
 */

import assert from "node:assert/strict";
import { utf8 } from "../../src/bytes.ts";
import { Signer, verifySignature } from "../../src/log/identity.ts";
import { NowSigner, nowSigner } from "../../src/log/sign_now.ts";
import { testKeys } from "./helpers.ts";

Deno.test("nowSigner() signs without waiting, the same signature WebCrypto's Signer gives", async () => {
  const [k] = await testKeys(1);
  const s = nowSigner(k);
  assert.equal(nowSigner(k), s, "one signer per key set");
  assert.ok(s.ready());
  for (const msg of [utf8("hello mycel"), new Uint8Array(0), new Uint8Array(70_000).fill(7)]) {
    const now = s.signNow(msg);
    assert.ok(now instanceof Uint8Array, "not a promise");
    assert.deepEqual(now, await new Signer(k).sign(msg));
    assert.ok(await verifySignature(k.signPublic, msg, now));
  }
});

Deno.test("a NowSigner refuses a key pair whose halves do not match (bad_key)", async () => {
  const [k, other] = await testKeys(2);
  for (
    const keys of [
      { signPrivate: k.signPrivate, signPublic: other.signPublic },
      { signPrivate: new Uint8Array(5), signPublic: k.signPublic },
    ]
  ) {
    const s = new NowSigner(keys);
    assert.equal(s.ready(), false);
    assert.throws(
      () => s.signNow(utf8("x")),
      (e: Error & { code?: string }) => e.code === "bad_key",
    );
  }
});

Deno.test("nowSigner() gives WebCrypto's signature byte for byte for 64 fresh key pairs and messages of every size a log holds, and each verifies", async () => {
  const keys = await testKeys(64);
  for (const [i, k] of keys.entries()) {
    const s = nowSigner(k);
    const sizes = [0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 1000, 65_536 + i];
    const msg = new Uint8Array(sizes[i % sizes.length]);
    crypto.getRandomValues(msg.subarray(0, 65_536));
    const now = s.signNow(msg);
    assert.deepEqual(now, await new Signer(k).sign(msg), `key ${i}, ${msg.length} bytes`);
    assert.ok(await verifySignature(k.signPublic, msg, now));
    const other = new Uint8Array(msg.length + 1).fill(1);
    assert.ok(!(await verifySignature(k.signPublic, other, now)), "verifies another message");
  }
});

Deno.test("a NowSigner's refusal names no byte of the private key, in any encoding", async () => {
  const [k, other] = await testKeys(2);
  const s = new NowSigner({ signPrivate: k.signPrivate, signPublic: other.signPublic });
  const e = (() => {
    try {
      s.signNow(utf8("x"));
    } catch (e) {
      return e as Error & { hint?: string; value?: string };
    }
    throw new Error("signed with halves that do not match");
  })();
  const text = `${e.message}\n${e.hint ?? ""}\n${e.value ?? ""}\n${e.stack ?? ""}\n${
    JSON.stringify(e)
  }`;
  const hex = [...k.signPrivate].map((b) => b.toString(16).padStart(2, "0")).join("");
  for (
    const form of [
      hex,
      hex.toUpperCase(),
      k.signPrivate.toBase64(),
      k.signPrivate.toBase64({ alphabet: "base64url", omitPadding: true }),
      [...k.signPrivate].join(","),
    ]
  ) {
    assert.ok(!text.includes(form.slice(0, 16)), `the key is in the refusal: ${text}`);
  }
});
