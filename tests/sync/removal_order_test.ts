/**
 * @module removal_order_test
 * A removal that reaches a device after the removed device's later entries
 * (it folded them already) must set them aside there too: every device ends
 * with the same cut and the same state, whatever the order of the device
 * keys. In-process homes linked in memory (tests/sync/_mem_mesh.ts).
 *
 * The device that folded them refolds from scratch (src/storage/refold.ts).
 * Which seeds put the keys in which order is fixed by the seed; several
 * seeds cover both orders of the remover and the removed device.
 */

import assert from "node:assert/strict";
import { MemMesh } from "./_mem_mesh.ts";

for (const seed of [1, 2, 3, 4]) {
  Deno.test(`a removal arriving after the removed device's later entries sets them aside (key order of seed ${seed})`, async () => {
    await using mesh = await MemMesh.create(3, { seed });
    await mesh.peerAll();
    for (let i = 0; i < 2; i++) await mesh.timerRound();
    const [q, x, p] = mesh.devices; // q admitted both; p removes x
    mesh.partition((a, b) => a === p || b === p);
    for (let i = 0; i < 3; i++) await mesh.write(x, [{ type: "app.add", name: `x${i}` }]);
    await mesh.round(x); // q folds x's three new entries; p never sees them
    x.up = false;
    const cut = p.home.log.head(x.key)!.seq;
    await mesh.write(p, [{ type: "device.revoke", device: x.key, upTo: cut }]);
    mesh.heal();
    await mesh.round(p);
    for (const d of [p, q]) {
      assert.equal(d.home.view.member(x.key)?.removed?.cut, cut);
      assert.equal(
        d.home.log.head(x.key)!.seq,
        cut,
        `${d.name} holds none of x's entries past the cut`,
      );
      assert.deepEqual(d.home.view.apps(), [], `${d.name} folds none of them`);
    }
    assert.equal(p.home.digest(), q.home.digest());
  });
}
