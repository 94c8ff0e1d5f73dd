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
