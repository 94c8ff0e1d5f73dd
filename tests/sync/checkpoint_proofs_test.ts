/**
 * @module checkpoint_proofs_test
 * A checkpoint's heads carry their authors' signed entries (the proofs that
 * they exist, src/log/checkpoint.ts), up to 1 MiB each, inside the
 * checkpoint's 16 MiB. A checkpoint made for a peer leaves out the entries of
 * the heads the peer holds itself (it checks those against its own chain),
 * and the peer's stored base still keeps every entry it had: its own
 * checkpoints, for a newcomer, carry all of them. Real homes (SQLite) over
 * in-memory links (MemMesh).
 */

import assert from "node:assert/strict";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { headProofProblem } from "../../src/log/checkpoint_claims.ts";
import { MAX_PREF_LENGTH } from "../../src/log/ops.ts";
import { compactNow } from "../../src/sync/compact.ts";
import { MemMesh, pref } from "./_mem_mesh.ts";

async function rounds(mesh: MemMesh, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await mesh.timerRound();
}

Deno.test("a checkpoint for a peer leaves out the signed entries of heads the peer holds; the peer takes it and keeps every entry its base had", async () => {
  await using mesh = await MemMesh.create(3, { seed: 11, tuning: { checkpointMin: 0 } });
  const [a, b, m] = mesh.devices;
  await mesh.peerAll();
  // Large last entries for a and b: their proofs are what a newcomer's
  // checkpoint carries and a member's need not.
  const big = "x".repeat(MAX_PREF_LENGTH);
  await mesh.write(a, pref("big.a", big));
  await mesh.write(b, pref("big.b", big));
  await rounds(mesh, 2);
  mesh.now += 60_000;
  // b keeps its chains only as far as its base: the base holds the one copy
  // of each head's entry.
  assert.ok((await compactNow(b.home, { keepDays: 0 })).dropped > 0);
  for (const d of [a, b]) {
    assert.equal(b.home.log.entryAt(d.key, b.home.log.head(d.key)!.seq), undefined);
  }

  // m writes more than b may be sent as entries: b gets m's checkpoint.
  for (let i = 0; i < 60; i++) await mesh.write(m, pref("counter", String(i)));
  const full = await m.home.checkpoint();
  const forB = await m.home.checkpoint(b.home.log.heads());
  const cpFull = await readCheckpoint(full);
  const cpForB = await readCheckpoint(forB);
  for (const f of cpFull.frontier) assert.ok(f.proof, `full: ${f.author.short} has its entry`);
  for (const f of cpForB.frontier) {
    const held = f.author === m.key ? undefined : f.author;
    assert.equal(f.proof === undefined, held !== undefined, `for b: ${f.author.short}`);
  }
  assert.ok(full.length - forB.length > 2 * MAX_PREF_LENGTH, `${full.length} vs ${forB.length}`);
  // b can check every head without an entry against its own chain; a
  // newcomer, which holds none, could not.
  const chainOf = (k: Parameters<typeof b.home.log.head>[0]) => {
    const h = b.home.log.head(k);
    return h === undefined ? undefined : { base: h.base, end: h.seq };
  };
  assert.equal(headProofProblem(cpForB, chainOf), undefined);
  assert.match(headProofProblem(cpForB) ?? "", /without .* own signed entry/);

  const outcomes = await mesh.round(b, { all: true });
  const fromM = outcomes.find((o) => o.peer === m.key);
  assert.ok(fromM?.exchange?.took, "b took m's checkpoint");
  assert.ok(
    fromM.wire!.received < full.length - MAX_PREF_LENGTH,
    `b received ${fromM.wire!.received} bytes; the full checkpoint is ${full.length}`,
  );
  assert.equal(b.home.view.pref("counter"), "59");

  // b's own checkpoint for a newcomer still carries every head's entry,
  // including those m's checkpoint came without (kept from b's base).
  const fromB = await readCheckpoint(await b.home.checkpoint());
  for (const f of fromB.frontier) assert.ok(f.proof, `b's: ${f.author.short} has its entry`);
  assert.equal(headProofProblem(fromB), undefined);
  await rounds(mesh, 2);
  assert.equal(new Set(mesh.digests()).size, 1);
});
