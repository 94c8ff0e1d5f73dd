/**
 * @module checkpoint_witness_claims_test
 * A member's checkpoint can't credit another device with having seen more
 * than that device's entries name (src/log/checkpoint_claims.ts, witness.ts).
 * Found by a review: a stolen member M could sign a checkpoint that raises
 * the owner's witness of M to M's whole chain; a device that re-based on it
 * (a re-base takes the state whole) would then cut nothing of M when the
 * owner removes it. Real homes (SQLite) over in-memory links (MemMesh).
 */

import assert from "node:assert/strict";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { checkpointClaimProblem } from "../../src/log/checkpoint_claims.ts";
import { memberCheckpoints } from "../../src/sync/member_checkpoints.ts";
import { forged, threeSynced } from "./_forged_checkpoint.ts";
import type { MemDevice, MemMesh } from "./_mem_mesh.ts";

/** M writes `theme`; A replaces it (so A's entries name M's entry); all sync. Returns that seq. */
async function ownerReplacesThief(mesh: MemMesh, a: MemDevice, m: MemDevice): Promise<number> {
  const by = await mesh.write(m, [{ type: "pref.set", key: "theme", value: "m" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const observed = a.home.view.observed("prefs", "theme");
  assert.deepEqual(observed, [{ author: m.key, seq: by.entry.seq }]);
  await mesh.write(a, [{ type: "pref.set", key: "theme", value: "a", observed }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  return by.entry.seq;
}

Deno.test("an honest checkpoint's witness passes; one raised past what the author's entries name is refused, and nothing changes", async () => {
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  const seen = await ownerReplacesThief(mesh, a, m);
  assert.equal(h.home.view.member(a.key)!.witnessed?.[m.key.hex], seen);

  const genuine = await readCheckpoint(await m.home.checkpoint());
  assert.equal(genuine.state.memberRow(a.key)!.witnessed?.[m.key.hex], seen, "it carries A's");
  assert.equal(memberCheckpoints(h.home, m.key)(genuine), undefined);

  const digests = mesh.digests();
  const raised = await forged(m, (s) => {
    const row = s.memberRow(a.key)!;
    s.putMember(a.key, { ...row, witnessed: { ...row.witnessed, [m.key.hex]: 999_999 } });
  });
  const why = `it credits ${a.key.short} with having seen ${m.key.hex.slice(0, 7)}… #999999, ` +
    "which its entries here do not name";
  assert.equal(memberCheckpoints(h.home, m.key)(raised), why);
  assert.equal(memberCheckpoints(a.home, m.key)(raised), why, "A holds its own chain");
  // A witness of a device A's entries never named is a claim of more too.
  const named = await forged(m, (s) => {
    const row = s.memberRow(a.key)!;
    s.putMember(a.key, { ...row, witnessed: { ...row.witnessed, [h.key.hex]: 1 } });
  });
  assert.match(memberCheckpoints(h.home, m.key)(named) ?? "", /^it credits .+ #1, which/);

  assert.equal(h.home.view.member(a.key)!.witnessed?.[m.key.hex], seen);
  assert.deepEqual(mesh.digests(), digests);
});

Deno.test("a home whose state keeps no witnesses yet holds none against a checkpoint", async () => {
  // A home an earlier release folded has none until its first write folds
  // it again; holding its empty witnesses against an honest checkpoint
  // would refuse it.
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  await ownerReplacesThief(mesh, a, m);
  const cp = await readCheckpoint(await m.home.checkpoint());
  const held = {
    seen: (k: typeof a.key) => h.home.view.seen(k),
    member: (k: typeof a.key) => {
      const info = h.home.view.member(k);
      return info === undefined ? undefined : { ...info, witnessed: undefined };
    },
    chain: (k: typeof a.key) => {
      const head = h.home.log.head(k);
      return head === undefined ? undefined : { base: head.base, end: head.seq };
    },
  };
  assert.match(checkpointClaimProblem(cp, held) ?? "", /^it credits /, "held against: refused");
  assert.equal(checkpointClaimProblem(cp, { ...held, witnessKnown: false }), undefined);
});
