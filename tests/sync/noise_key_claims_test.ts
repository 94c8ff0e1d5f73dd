/**
 * @module noise_key_claims_test
 * Which member a proved Noise key belongs to when a compromised member made
 * two records name it (`memberByNoiseKey`, src/sync/admission.ts), over
 * states folded from real signed entries: the key is never nobody's (that
 * would lock the real device out of every server), and it goes to the
 * device that announced it in its own first entry, then to one still in
 * the mesh, then to the one whose kept admission carried it, then to the
 * lowest key. tests/sync/record_test.ts shows the same over real processes.
 */

import assert from "node:assert/strict";
import type { MemberInfo } from "../../src/log/state.ts";
import { memberByNoiseKey } from "../../src/sync/admission.ts";
import { foldInOrder } from "../log/fold_orders.ts";
import { type TestDevice, testDevices } from "../log/helpers.ts";

const T0 = 1_700_000_000_000;

/** Victim admits rogue and third; each published its own record first. */
async function mesh() {
  const [victim, rogue, third, fake] = await testDevices(4);
  const genesis = [
    await victim.append([
      { type: "device.add", device: victim.record("victim") },
      { type: "device.add", device: rogue.record("rogue") },
      { type: "device.add", device: third.record("third") },
    ], T0),
    await rogue.append([{ type: "device.add", device: rogue.record("rogue") }], T0 + 1),
    await third.append([{ type: "device.add", device: third.record("third") }], T0 + 2),
  ];
  return { victim, rogue, third, fake, genesis, kt: third.record().noiseKey };
}

/** The first-entry check admitInitiator makes, over the entries folded. */
function firstEntryNames(devices: TestDevice[], key: string) {
  return (m: MemberInfo) => {
    const d = devices.find((x) => x.key === m.record.key);
    const first = d?.log[0]?.entry;
    return first?.ops.some((op) =>
      op.type === "device.add" && op.device.key === d!.key && op.device.noiseKey === key
    ) ?? false;
  };
}

Deno.test("memberByNoiseKey(): a copied Noise key still goes to the device that announced it first, whatever admissions say", async () => {
  const { victim, rogue, third, genesis, kt } = await mesh();
  // The rogue re-admits third backdated (so every device keeps that
  // admission) with its own key, and takes third's Noise key itself.
  const copy = await rogue.appendAt([
    { type: "device.add", device: { ...third.record("third"), noiseKey: rogue.record().noiseKey } },
    { type: "device.update", device: rogue.key, fields: { noiseKey: kt } },
  ], { wall: 1, counter: 0, node: rogue.key.hex });
  const s = foldInOrder([...genesis, copy]);
  const members = s.view.members();
  assert.equal(members.filter((m) => m.record.noiseKey === kt).length, 2, "two records name it");
  const owner = memberByNoiseKey(members, kt, firstEntryNames([victim, rogue, third], kt));
  assert.equal(owner?.record.key, third.key);
  // Without the first-entry evidence it still goes to a member, never to nobody.
  assert.notEqual(memberByNoiseKey(members, kt), undefined);
});

Deno.test("memberByNoiseKey(): a key two devices announced first goes to a member still in the mesh, then by admission, never to nobody", async () => {
  const { victim, rogue, third, fake, genesis, kt } = await mesh();
  // The rogue mints a device whose own first entry names third's key, and admits it.
  const minted = await fake.append([
    { type: "device.add", device: { ...fake.record("fake"), noiseKey: kt } },
  ], T0 + 3);
  const admitFake = await rogue.append([
    { type: "device.add", device: { ...fake.record("fake"), noiseKey: kt } },
  ], T0 + 4);
  const all = [victim, rogue, third, fake];
  const firstEntry = firstEntryNames(all, kt);
  let s = foldInOrder([...genesis, minted, admitFake]);
  // Both announced it first and both admissions carried it: the lowest key, not a refusal.
  const lowest = [third, fake].sort((a, b) => a.key.compare(b.key))[0];
  assert.equal(memberByNoiseKey(s.view.members(), kt, firstEntry)?.record.key, lowest.key);

  // Third's kept admission replaced by a backdated one without the key: the fake's admission decides.
  const readmit = await rogue.appendAt([
    { type: "device.add", device: { ...third.record("third"), noiseKey: rogue.record().noiseKey } },
  ], { wall: 1, counter: 0, node: rogue.key.hex });
  s = foldInOrder([...genesis, minted, admitFake, readmit]);
  assert.equal(memberByNoiseKey(s.view.members(), kt, firstEntry)?.record.key, fake.key);

  // The owner removes the fake: the key goes to the member still in the mesh.
  const removeFake = await victim.append(
    [{ type: "device.revoke", device: fake.key, upTo: 1 }],
    T0 + 5,
  );
  s = foldInOrder([...genesis, minted, admitFake, readmit, removeFake]);
  assert.equal(memberByNoiseKey(s.view.members(), kt, firstEntry)?.record.key, third.key);
});
