/**
 * @module checkpoint_proofs_test
 * A checkpoint's heads carry their authors' signed entries (the proofs that
 * they exist, src/log/checkpoint.ts), up to 1 MiB each, inside the
 * checkpoint's 64 MiB. A session sends every entry while that fits (which
 * also gives a peer whose base, stored by an earlier release, lacks some of
 * them what it lacks); only past the bounds does the checkpoint made for the
 * peer leave out the entries of the heads the peer holds itself (it checks
 * those against its own chain). Either way the peer's stored base keeps
 * every entry it had: its own checkpoints, for a newcomer, carry all of
 * them. Real homes (SQLite) over in-memory links (MemMesh).
 */

import assert from "node:assert/strict";
import { type FrontierHead, readCheckpoint } from "../../src/log/checkpoint.ts";
import { headProofProblem } from "../../src/log/checkpoint_claims.ts";
import { MAX_PREF_LENGTH, type Op } from "../../src/log/ops.ts";
import { encodeBase, readBase, storeBase } from "../../src/storage/base_state.ts";
import { openWritable } from "../../src/storage/db.ts";
import { compactNow } from "../../src/sync/compact.ts";
import { type MemDevice, MemMesh, pref } from "./_mem_mesh.ts";

async function rounds(mesh: MemMesh, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await mesh.timerRound();
}

Deno.test("a checkpoint made for a peer leaves out the signed entries of heads the peer holds; the peer takes it and keeps every entry its base had", async () => {
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

  // Taken (as a session would, past the bounds): b's base keeps the entries
  // of the heads it held only there.
  await b.home.takeCheckpoint(cpForB);
  assert.equal(b.home.view.pref("counter"), "59");
  const fromB = await readCheckpoint(await b.home.checkpoint());
  for (const f of fromB.frontier) assert.ok(f.proof, `b's: ${f.author.short} has its entry`);
  assert.equal(headProofProblem(fromB), undefined);
  await rounds(mesh, 2);
  assert.equal(new Set(mesh.digests()).size, 1);
});

/** `d`'s stored base with its heads' signed entries taken out, as an earlier release stored it. */
async function stripBaseProofs(d: MemDevice): Promise<void> {
  const db = await openWritable(d.home.paths.db);
  try {
    const cp = await readCheckpoint(readBase(db)!, { unsigned: true });
    const bare = cp.frontier.map(({ author, seq, hash }): FrontierHead => ({ author, seq, hash }));
    storeBase(db, await encodeBase(cp.state, bare, { mesh: cp.mesh, made: cp.made }));
  } finally {
    db.close();
  }
}

Deno.test("while it fits, a session's checkpoint carries every head's entry: a base stored without them by an earlier release gets them back", async () => {
  await using mesh = await MemMesh.create(3, { seed: 11, tuning: { checkpointMin: 0 } });
  const [a, b, m] = mesh.devices;
  await mesh.peerAll();
  await mesh.write(a, pref("from.a", "1"));
  await mesh.write(b, pref("from.b", "1"));
  await rounds(mesh, 2);
  mesh.now += 60_000;
  assert.ok((await compactNow(b.home, { keepDays: 0 })).dropped > 0);
  await stripBaseProofs(b);
  assert.match(
    headProofProblem(await readCheckpoint(await b.home.checkpoint())) ?? "",
    /without .* own signed entry/,
    "b's checkpoints lack the entries its base lost",
  );
  for (let i = 0; i < 60; i++) await mesh.write(m, pref("counter", String(i)));
  const outcomes = await mesh.round(b, { all: true });
  const fromM = outcomes.find((o) => o.peer === m.key);
  assert.ok(fromM?.exchange?.took, "b took m's checkpoint");
  assert.equal(b.home.view.pref("counter"), "59");
  assert.equal(headProofProblem(await readCheckpoint(await b.home.checkpoint())), undefined);
});

Deno.test("past a checkpoint's bounds with every entry, a session sends the one made for the peer, and the peer takes it", async () => {
  await using mesh = await MemMesh.create(3, { seed: 12, tuning: { checkpointMin: 0 } });
  const [a, b, m] = mesh.devices;
  await mesh.peerAll();
  // About 63 MiB of state, and a's and b's last entries near 1 MiB each:
  // with every head's entry the checkpoint passes 64 MiB, without a's and
  // b's (which b holds) it fits.
  const value = "z".repeat(62_000);
  const bigEntry = (tag: string): Op[] =>
    Array.from({ length: 15 }, (_, i) => ({ type: "pref.set", key: `${tag}.${i}`, value }));
  for (let e = 0; e < 70; e++) await mesh.write(a, bigEntry(`a${e}`));
  await mesh.write(b, bigEntry("b"));
  await rounds(mesh, 2);
  // b falls far behind m: more entries than four times the state's rows.
  mesh.partition((x, y) => x === b || y === b);
  const many = 4 * b.home.stateSize() + 100;
  for (let i = 0; i < many; i++) await mesh.write(m, pref("counter", String(i)));
  mesh.heal();
  await assert.rejects(() => m.home.checkpoint(), /larger than a checkpoint may be/);
  const forB = await m.home.checkpoint(b.home.log.heads());

  const outcomes = await mesh.round(b, { all: true });
  const fromM = outcomes.find((o) => o.peer === m.key);
  assert.ok(fromM?.exchange?.took, `b took m's checkpoint: ${fromM?.error}`);
  assert.ok(fromM.wire!.received >= forB.length, "the checkpoint came whole");
  assert.equal(b.home.view.pref("counter"), String(many - 1));
  await rounds(mesh, 2);
  assert.equal(new Set(mesh.digests()).size, 1);
});
