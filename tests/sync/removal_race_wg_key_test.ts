/**
 * @module removal_race_wg_key_test
 * A phone's private key (src/storage/wg_device_keys.ts) goes with the write
 * that folds the phone's removal, but only a removal that counts
 * (docs/trust.md, "Removals that race"): a removal written by a device past
 * the cut of its own removal is set aside and must leave the key. Real
 * homes linked in memory (tests/sync/_mem_mesh.ts).
 *
 * A removal that counts when folded can stop counting when its author's
 * earlier cut arrives later: the phone is a member again, so the key of a
 * phone removed by another device is kept (doctor names it; `--fix`
 * deletes it once the owner has looked).
 */

import assert from "node:assert/strict";
import { generateDeviceKeys } from "../../src/log/identity.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { newDeviceRecord } from "../../src/log/device_record.ts";
import { saveWgDeviceKey, wgDeviceKeyPath } from "../../src/storage/wg_device_keys.ts";
import { MemMesh } from "./_mem_mesh.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** q admitted x and p and made a phone (its key kept in q's home); x is about to be removed by p. */
async function meshWithPhone(seed: number) {
  const mesh = await MemMesh.create(3, { seed });
  await mesh.peerAll();
  const [q, x, p] = mesh.devices;
  const keys = await generateDeviceKeys();
  const phone = newDeviceRecord(DeviceKey.of(keys.signPublic), keys, "phone");
  await saveWgDeviceKey(q.root, phone.id, "not-a-real-key");
  await mesh.write(q, [{ type: "device.add", device: phone }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  return { mesh, q, x, p, phone, keyFile: wgDeviceKeyPath(q.root, phone.id) };
}

for (const seed of [1, 2]) {
  Deno.test(`a phone's removal written past its author's cut leaves the phone's key where the cut arrived first (seed ${seed})`, async () => {
    const { mesh: made, q, x, p, phone, keyFile } = await meshWithPhone(seed);
    await using mesh = made;
    // p removes x (cut at what it has of x) and q learns it first.
    const cut = p.home.log.head(x.key)!.seq;
    await mesh.write(p, [{ type: "device.revoke", device: x.key, upTo: cut }]);
    mesh.partition((a, b) => a === x || b === x);
    await mesh.round(p);
    assert.notEqual(q.home.view.member(x.key)?.removed, undefined);
    // x, not having seen it, removes the phone; q takes that in.
    mesh.partition((a, b) => a === p || b === p);
    await mesh.write(x, [{ type: "device.revoke", device: phone.key, upTo: 0 }]);
    await mesh.round(x);
    assert.equal(q.home.view.member(phone.key)?.removed, undefined, "the removal does not count");
    assert.ok(await exists(keyFile), "a removal that does not count deleted the phone's key");
  });
}

for (const seed of [1, 2]) {
  Deno.test(`a phone removed by another device keeps its key, so the phone is whole again when that removal stops counting (seed ${seed})`, async () => {
    const { mesh: made, q, x, p, phone, keyFile } = await meshWithPhone(seed);
    await using mesh = made;
    // p removes x (cut at what it has of x); q does not hear of it yet.
    const cut = p.home.log.head(x.key)!.seq;
    await mesh.write(p, [{ type: "device.revoke", device: x.key, upTo: cut }]);
    // x, not having seen it, removes the phone; q takes that in first.
    mesh.partition((a, b) => a === p || b === p);
    await mesh.write(x, [{ type: "device.revoke", device: phone.key, upTo: 0 }]);
    await mesh.round(x);
    assert.notEqual(q.home.view.member(phone.key)?.removed, undefined, "the removal counts on q");
    assert.ok(await exists(keyFile), "a removal by another device deleted the phone's key");
    // Then p's removal of x, cut before x's removal of the phone, reaches q.
    mesh.partition((a, b) => a === x || b === x);
    await mesh.round(p);
    assert.equal(q.home.view.member(phone.key)?.removed, undefined, "the phone is a member again");
    assert.ok(await exists(keyFile), "the phone is back without its key");
  });
}
