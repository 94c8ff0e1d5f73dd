/**
 * @module contested
 * A newcomer whose admissions disagree (membership.ts `contested`), for the
 * tests of what follows from it (contested_newcomer_test.ts,
 * tests/storage/witness_upgrade_test.ts).
 */

import type { MemDevice, MemMesh } from "./_mem_mesh.ts";

/**
 * On a fresh mesh of three: peer them (a, b, m), add a newcomer n kept
 * apart, let a admit n and m admit it again with m's own Noise key, then
 * run rounds until a and b hold both admissions (and nothing of n).
 */
export async function contestNewcomer(
  mesh: MemMesh,
): Promise<{ a: MemDevice; b: MemDevice; m: MemDevice; n: MemDevice }> {
  await mesh.peerAll();
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const [a, b, m] = mesh.devices;
  const n = await mesh.add("n");
  mesh.partition((x, y) => x === n || y === n);
  await mesh.write(a, [{ type: "device.add", device: n.record }]);
  // m admits n again with its own Noise key (no backdating needed to contest).
  await mesh.write(m, [{
    type: "device.add",
    device: { ...n.record, noiseKey: m.record.noiseKey },
  }]);
  for (let i = 0; i < 3; i++) await mesh.timerRound();
  return { a, b, m, n };
}
