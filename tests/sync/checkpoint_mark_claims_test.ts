/**
 * @module checkpoint_mark_claims_test
 * A member's checkpoint can't make up, nor drop, the mark that a device's
 * keys are disputed (membership.ts `contested`) where the receiver holds
 * the admissions themselves (src/log/checkpoint_claims.ts). A made-up mark
 * takes a newcomer's keys away on a device that re-bases on it; a dropped
 * one hands it the kept admission's keys — which a stolen member that
 * admitted the device again, backdated, chose itself. Real homes (SQLite)
 * over in-memory links (MemMesh).
 */

import assert from "node:assert/strict";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { memberCheckpoints } from "../../src/sync/member_checkpoints.ts";
import { checkpointClaimProblem } from "../../src/log/checkpoint_claims.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import { contestNewcomer } from "./_contested.ts";
import { forged, threeSynced } from "./_forged_checkpoint.ts";
import { type MemDevice, MemMesh } from "./_mem_mesh.ts";

/** On three synced devices, a newcomer n that a alone admitted (kept apart), everywhere but n. */
async function admittedOnce(mesh: MemMesh): Promise<MemDevice> {
  const n = await mesh.add("n");
  mesh.partition((x, y) => x === n || y === n);
  await mesh.write(mesh.devices[0], [{ type: "device.add", device: n.record }]);
  for (let i = 0; i < 3; i++) await mesh.timerRound();
  return n;
}

/** `by`'s checkpoint with n's admission marked disputed, signed again by `by`. */
function markedBy(by: MemDevice, n: MemDevice) {
  return forged(by, (s) => {
    const row = s.memberRow(n.key)!;
    s.putMember(n.key, { ...row, added: { ...row.added!, contested: true } });
  });
}

Deno.test("a checkpoint marking a device's keys disputed when the admissions here agree is refused, and nothing changes", async () => {
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  const n = await admittedOnce(mesh);
  assert.equal(h.home.view.member(n.key)?.admitted.contested, undefined, "one admission");

  const genuine = await readCheckpoint(await m.home.checkpoint());
  assert.equal(memberCheckpoints(h.home, m.key)(genuine), undefined);
  const digests = mesh.digests();
  const marked = await markedBy(m, n);
  const why = `it marks ${n.key.short}'s keys as disputed, which the admissions here do not show`;
  assert.equal(memberCheckpoints(h.home, m.key)(marked), why);
  assert.equal(memberCheckpoints(a.home, m.key)(marked), why);
  assert.deepEqual(mesh.digests(), digests);
  assert.equal(h.home.view.member(n.key)!.record.noiseKey, n.record.noiseKey);
});

Deno.test("a checkpoint leaving out that a device's admissions disagree is refused where they are held", async () => {
  await using mesh = await MemMesh.create(3);
  const { a, b, m, n } = await contestNewcomer(mesh);
  assert.equal(a.home.view.member(n.key)!.admitted.contested, true);

  const genuine = await readCheckpoint(await m.home.checkpoint());
  assert.equal(genuine.state.memberRow(n.key)!.added!.contested, true, "m's own state has it");
  for (const d of [a, b]) assert.equal(memberCheckpoints(d.home, m.key)(genuine), undefined);
  const digests = mesh.digests();
  const dropped = await forged(m, (s) => {
    const row = s.memberRow(n.key)!;
    const { contested: _, ...added } = row.added!;
    s.putMember(n.key, { ...row, added });
  });
  const why = `it leaves out that admissions of ${n.key.short} disagree on its keys, ` +
    "which the admissions it covers show";
  for (const d of [a, b]) assert.equal(memberCheckpoints(d.home, m.key)(dropped), why, d.name);
  assert.deepEqual(mesh.digests(), digests);
  assert.deepEqual(a.home.view.member(n.key)!.record.noiseKey, "", "still nobody's keys");
});

Deno.test("marks are held against a checkpoint only where they are exact: not from a base, nor in a state folded under earlier rules", async () => {
  // A chain held from a base carries the marks that base came with, and a
  // home an earlier release folded has none until its first write folds it
  // again: holding those against an honest checkpoint would refuse it, and
  // with it the session. There the mark stays the signer's word.
  await using mesh = await threeSynced();
  const [, h, m] = mesh.devices;
  const n = await admittedOnce(mesh);
  const marked = await markedBy(m, n);
  const view = (o: { rulesCurrent: boolean; base: number }) => ({
    seen: (k: DeviceKey) => h.home.view.seen(k),
    member: (k: DeviceKey) => h.home.view.member(k),
    rulesCurrent: o.rulesCurrent,
    authors: () => h.home.log.heads().keys(),
    chain: (k: DeviceKey) => {
      const head = h.home.log.head(k);
      return head === undefined ? undefined : { base: o.base, end: head.seq };
    },
  });
  assert.match(
    checkpointClaimProblem(marked, view({ rulesCurrent: true, base: 0 })) ?? "",
    /marks/,
  );
  assert.equal(checkpointClaimProblem(marked, view({ rulesCurrent: false, base: 0 })), undefined);
  assert.equal(checkpointClaimProblem(marked, view({ rulesCurrent: true, base: 1 })), undefined);
});
