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
import { DatabaseSync } from "node:sqlite";
import type { DeviceKey } from "../../src/log/device_key.ts";
import { homePaths } from "../../src/storage/home.ts";
import { WITNESS_META } from "../../src/storage/sql_local.ts";
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

Deno.test("only a witness folded from a whole chain is held against a checkpoint: not one from a base, nor a home's that keeps none yet", async () => {
  // Our witness of a device is exact only when we folded its chain from the
  // first entry: a chain held from a base has the witness that base came
  // with (none, from an earlier release), and a home an earlier release
  // folded has none until its first write folds it again. Holding those
  // against an honest checkpoint would refuse it, and with it the session.
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  await ownerReplacesThief(mesh, a, m);
  const cp = await readCheckpoint(await m.home.checkpoint());
  const held = {
    seen: (k: DeviceKey) => h.home.view.seen(k),
    member: (k: DeviceKey) => {
      const info = h.home.view.member(k);
      return info === undefined ? undefined : { ...info, witnessed: undefined };
    },
    chain: (k: DeviceKey) => {
      const head = h.home.log.head(k);
      return head === undefined ? undefined : { base: head.base, end: head.seq };
    },
  };
  assert.equal(h.home.log.head(a.key)!.base, 0, "H holds A's whole chain");
  assert.match(checkpointClaimProblem(cp, held) ?? "", /^it credits /, "held against: refused");
  assert.equal(checkpointClaimProblem(cp, { ...held, witnessKnown: false }), undefined);
  const fromBase = (k: DeviceKey) => ({ ...held.chain(k)!, base: 1 });
  assert.equal(checkpointClaimProblem(cp, { ...held, chain: fromBase }), undefined);

  // The same through the session's check: H's home as an earlier release
  // left it (no witness, no mark) takes the honest checkpoint — and the
  // raised one too, as it can't tell them apart.
  const db = new DatabaseSync(homePaths(h.root).db);
  db.exec("UPDATE members SET row = json_remove(row, '$.w')");
  db.prepare("DELETE FROM meta WHERE k = ?").run(WITNESS_META);
  db.close();
  assert.equal(memberCheckpoints(h.home, m.key)(cp), undefined);
  const raised = await forged(m, (s) => {
    const row = s.memberRow(a.key)!;
    s.putMember(a.key, { ...row, witnessed: { ...row.witnessed, [m.key.hex]: 999_999 } });
  });
  assert.equal(memberCheckpoints(h.home, m.key)(raised), undefined);
  assert.match(memberCheckpoints(a.home, m.key)(raised) ?? "", /^it credits /, "A keeps its own");
});
