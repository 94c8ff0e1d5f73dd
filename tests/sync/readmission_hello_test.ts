/**
 * @module readmission_hello_test
 * A member that admits an existing device again under a Noise key of its
 * own making, then dials with that key presenting its admission, is not
 * taken for that device (src/sync/admission.ts `admitInitiator`). Before,
 * any admission entry held here that named the presented key let the
 * session in as the device it admitted, whatever key the device's record
 * kept — a member could sync under another device's name (its bookkeeping,
 * its "last seen"). The real device still gets in with its own key. Real
 * homes (SQLite) in one process (MemMesh).
 */

import assert from "node:assert/strict";
import { x25519 } from "@noble/curves/ed25519.js";
import { toBase64 } from "../../src/bytes.ts";
import { SYNC_PROTOCOL_VERSION } from "../../src/protocol/sync_fields.ts";
import { GENERIC_REFUSAL } from "../../src/protocol/sync_hello.ts";
import { admitInitiator } from "../../src/sync/admission.ts";
import { MemMesh } from "./_mem_mesh.ts";

Deno.test("a member's second admission of a device under a key of its own does not let it in as that device", async () => {
  await using mesh = await MemMesh.create(3);
  await mesh.peerAll();
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const [a, d, m] = mesh.devices;
  const fresh = x25519.getPublicKey(x25519.utils.randomSecretKey());
  const again = await mesh.write(m, [{
    type: "device.add",
    device: { ...d.record, noiseKey: toBase64(fresh) },
  }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  assert.equal(a.home.log.hashAt(m.key, again.entry.seq) !== undefined, true, "A holds it");
  assert.equal(a.home.view.member(d.key)!.record.noiseKey, d.record.noiseKey, "D's own key kept");

  const hello = { version: SYNC_PROTOCOL_VERSION, admission: [again.bytes] };
  assert.deepEqual(await admitInitiator(a.home, hello, fresh), { ok: false, ...GENERIC_REFUSAL });
  const real = await admitInitiator(a.home, hello, Uint8Array.fromBase64(d.record.noiseKey));
  assert.deepEqual(real.ok && real.peer, d.key, "D itself, by its own key");
});
