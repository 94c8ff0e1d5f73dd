/**
 * @module removal_checkpoint_test
 * A checkpoint made by a device that had not yet heard of a removal covers
 * the removed device's entries past the cut (they are folded into its
 * state). A device that knows the cut must not take it: a state merge loses
 * nothing, so those changes would be in its state for good and travel on to
 * every device — while `mesh list` says they were set aside. Found by
 * running four real devices: the remover, which holds the removed device's
 * chain only as a checkpoint base and so leaves it out of the heads it
 * sends, got the whole state of a peer that still held the removed device's
 * last entry. A device whose base did take them starts again from a clean
 * peer's checkpoint (a re-base), keeping every change it holds as an entry.
 * In-process homes linked in memory (tests/sync/_mem_mesh.ts).
 */

import assert from "node:assert/strict";
import { checkRemovedBase } from "../../src/cli/doctor_history.ts";
import { makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import { headProofProblem } from "../../src/log/checkpoint_claims.ts";
import { Signer } from "../../src/log/identity.ts";
import { memberCheckpoints } from "../../src/sync/member_checkpoints.ts";
import { describe, mycel } from "../helpers/mycel.ts";
import { MemMesh } from "./_mem_mesh.ts";

/**
 * Three devices p, q, r in sync; z joins through q with a long history, so
 * the others get it as a checkpoint. `cut`: z's head everywhere.
 */
async function longHistoryThroughQ(mesh: MemMesh) {
  const [p, q, r] = mesh.devices;
  await mesh.peerAll();
  await mesh.admit(q, r);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const z = await mesh.add("z");
  await mesh.admit(q, z);
  for (let i = 0; i < 80; i++) {
    await mesh.write(z, [{ type: "pref.set", key: "z", value: `v${i}` }]);
  }
  for (let i = 0; i < 4; i++) await mesh.timerRound();
  return { p, q, r, z, cut: p.home.log.head(z.key)!.seq };
}

Deno.test("a checkpoint holding a removed device's changes past its cut is refused; every device ends without them", async () => {
  await using mesh = await MemMesh.create(3, { seed: 7, tuning: { checkpointMin: 0 } });
  const { p, q, r, z, cut } = await longHistoryThroughQ(mesh);
  for (const d of [p, q, r]) {
    const h = d.home.log.head(z.key)!;
    assert.equal(h.seq, cut, `${d.name} holds all of z`);
  }
  assert.equal(p.home.log.head(z.key)!.base, cut, "p holds z only as a checkpoint base");

  // z writes once more and reaches only r; then r is away while p removes z.
  mesh.partition((a, b) => (a === z) !== (b === r) || a === b);
  await mesh.write(z, [{ type: "pref.set", key: "z", value: "EVIL" }]);
  await mesh.round(z);
  assert.equal(r.home.view.pref("z"), "EVIL");
  z.up = false;
  mesh.partition((a, b) => a === r || b === r);
  await mesh.write(p, [{ type: "device.revoke", device: z.key, upTo: cut }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();

  // r is back: it has not heard of the removal when it first answers p.
  mesh.heal();
  await mesh.round(p, { all: true });
  assert.notEqual(p.home.view.pref("z"), "EVIL", "p took r's checkpoint with z's later change");
  for (let i = 0; i < 3; i++) await mesh.timerRound();
  for (const d of [p, q, r]) {
    assert.equal(d.home.view.member(z.key)?.removed?.cut, cut, d.name);
    assert.equal(d.home.view.pref("z"), `v79`, `${d.name} folds z's change past the cut`);
  }
  const digests = [p, q, r].map((d) => d.home.digest());
  assert.deepEqual(digests, [digests[0], digests[0], digests[0]]);
});

/**
 * `longHistoryThroughQ`, then z writes once more (past the cut to come) and
 * reaches only r, and goes away; r admits a new device s.
 */
async function pastCutAtR(mesh: MemMesh) {
  const { p, q, r, z, cut } = await longHistoryThroughQ(mesh);
  mesh.partition((a, b) => (a === z) !== (b === r) || a === b);
  await mesh.write(z, [{ type: "pref.set", key: "z", value: "EVIL" }]);
  await mesh.round(z);
  z.up = false;
  const s = await mesh.add("s");
  await mesh.admit(r, s);
  return { p, q, r, s, z, cut };
}

/**
 * `longHistoryThroughQ`, then z writes once more and reaches only r; s joins
 * through r, which has not heard of any removal, so s starts from r's
 * checkpoint and its base covers z's change past the cut; then p removes z
 * while r and s are away.
 */
async function taintedNewcomer(mesh: MemMesh, o: { sWrites?: boolean } = {}) {
  const { p, q, r, s, z, cut } = await pastCutAtR(mesh);
  mesh.partition((a, b) => !((a === r && b === s) || (a === s && b === r)));
  await mesh.round(s, { all: true });
  assert.equal(s.home.log.head(z.key)!.base, cut + 1, "s's base covers z's change past the cut");
  mesh.partition((a, b) => [r, s].includes(a) !== [r, s].includes(b));
  await mesh.write(p, [{ type: "device.revoke", device: z.key, upTo: cut }]);
  // s's own change that nobody has yet when it meets the others.
  if (o.sWrites) await mesh.write(s, [{ type: "app.add", name: "early-s" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  return { p, q, r, s, z, cut };
}

/** Sessions that failed in `rounds` timer rounds, but those with the removed z. */
async function failedRounds(mesh: MemMesh, rounds: number): Promise<string[]> {
  const failed: string[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const rec of await mesh.timerRound()) {
      for (const o of rec.outcomes) {
        if (o.status !== "synced") failed.push(`${rec.device.name} → ${o.name}: ${o.error}`);
      }
    }
  }
  return failed.filter((f) => !f.includes("→ z"));
}

Deno.test("a device whose base took a removed device's change past the cut starts again from a clean peer's checkpoint: one state everywhere, its own changes kept", async () => {
  await using mesh = await MemMesh.create(3, { seed: 7, tuning: { checkpointMin: 0 } });
  const { p, q, r, s, z, cut } = await taintedNewcomer(mesh, { sWrites: true });
  assert.equal(s.home.view.pref("z"), "EVIL");

  mesh.heal();
  // The first rounds may fail: r and s offer checkpoints holding z past the
  // cut before they hear of the removal, which the others refuse.
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  assert.deepEqual(await failedRounds(mesh, 3), [], "sessions failed after healing");
  assert.equal(s.home.log.head(z.key)!.base, cut, "s's chain of z starts at the cut again");
  // The checkpoint s re-based on came without the entries of heads s held
  // (exchange_send.ts): s's own checkpoints, for a newcomer, still carry all.
  const fromS = await readCheckpoint(await s.home.checkpoint());
  assert.equal(headProofProblem(fromS), undefined);
  // s's later changes still travel.
  await mesh.write(s, [{ type: "app.add", name: "from-s" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  for (const d of [p, q, r, s]) {
    assert.equal(d.home.view.member(z.key)?.removed?.cut, cut, d.name);
    assert.equal(d.home.view.pref("z"), "v79", `${d.name} folds z's change past the cut`);
    assert.deepEqual(d.home.view.apps(), ["early-s", "from-s"], `${d.name} has s's changes`);
    assert.deepEqual(checkRemovedBase(d.home), [], d.name);
  }
  const digests = [p, q, r, s].map((d) => d.home.digest());
  assert.deepEqual(digests, Array(4).fill(digests[0]), "one state on every device");
});

Deno.test("while no clean checkpoint covers its base, such a device says so and nobody pairs through it; once one does, it re-bases", async () => {
  await using mesh = await MemMesh.create(3, { seed: 7, tuning: { checkpointMin: 0 } });
  const { p, q, r, s, z, cut } = await pastCutAtR(mesh);
  // p hears of s's admission.
  mesh.partition((a, b) => !((a === r && b === p) || (a === p && b === r)));
  await mesh.round(r);
  // A change of q that only r gets, then s starts from r's checkpoint: its
  // base covers q's change and z's change past the cut.
  mesh.partition((a, b) => !((a === r && b === q) || (a === q && b === r)));
  await mesh.write(q, [{ type: "pref.set", key: "q", value: "only-q" }]);
  await mesh.round(q);
  mesh.partition((a, b) => !((a === r && b === s) || (a === s && b === r)));
  await mesh.round(s, { all: true });
  assert.equal(s.home.log.head(z.key)!.base, cut + 1, "s's base covers z's change past the cut");
  // q and r are away; p removes z and meets s.
  q.up = false;
  r.up = false;
  mesh.heal();
  await mesh.write(p, [{ type: "device.revoke", device: z.key, upTo: cut }]);
  const failed = (await failedRounds(mesh, 3)).filter((f) => !f.includes("no link"));
  // p can get q's change only in s's checkpoint, which it refuses (it holds z
  // past the cut): docs/trust.md, limits.
  assert.ok(failed.length > 0);
  for (const f of failed) assert.match(f, /it holds changes of removed device/, f);
  assert.equal(p.home.view.pref("z"), "v79");
  assert.equal(p.home.view.pref("q"), undefined, "p did not take s's checkpoint");
  assert.deepEqual(checkRemovedBase(p.home), []);
  assert.equal(s.home.view.member(z.key)?.removed?.cut, cut, "s knows the cut");
  assert.equal(s.home.view.pref("z"), "EVIL", "no clean checkpoint covers s's base yet");
  const found = checkRemovedBase(s.home);
  assert.equal(found.length, 1);
  assert.match(
    found[0].detail,
    /holds changes of z made after it was removed \(up to #\d+; entries after #\d+ are not accepted\)/,
  );
  // A device pairing through s would start from that state and keep the
  // change for good: the real command refuses before it shows a code.
  const res = await mycel(["mesh", "add-device", "--ttl", "10s"], { home: s.root });
  assert.equal(res.code, 1, describe(["mesh", "add-device"], res));
  assert.match(
    res.stderr,
    /Cannot add device: this device's state holds changes of z made after it was removed, which the new device would take \(up to #\d+; accepted up to #\d+\)/,
  );
  assert.match(res.stderr, /mycel mesh add-device` on another device/);
  assert.doesNotMatch(res.stdout + res.stderr, /MYCEL-/, "no code was shown");

  // q is back: p gets its change, p's checkpoint now covers s's base, and s re-bases.
  q.up = true;
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  assert.deepEqual(
    (await failedRounds(mesh, 3)).filter((f) => !f.includes("no link")),
    [],
    "sessions failed once q was back",
  );
  for (const d of [p, q, s]) {
    assert.equal(d.home.view.pref("z"), "v79", d.name);
    assert.equal(d.home.view.pref("q"), "only-q", d.name);
    assert.deepEqual(checkRemovedBase(d.home), [], d.name);
  }
  const digests = [p, q, s].map((d) => d.home.digest());
  assert.deepEqual(digests, Array(3).fill(digests[0]), "one state on every device");
});

Deno.test("a re-base offer whose head of the removed device is made up (no signed entry) is refused; the genuine one passes", async () => {
  await using mesh = await MemMesh.create(3, { seed: 7, tuning: { checkpointMin: 0 } });
  const { p, r, s, z, cut } = await taintedNewcomer(mesh);
  // p learns what r holds, so its checkpoint covers s's base.
  mesh.partition((a, b) => !((a === p && b === r) || (a === r && b === p)));
  await mesh.round(p);
  const genuine = await readCheckpoint(await p.home.checkpoint());
  const zHead = genuine.frontier.find((f) => f.author === z.key)!;
  assert.ok(zHead.seq <= cut && zHead.proof, "p holds z up to the cut, with its entry");
  const before = s.home.log.head(z.key)!;
  assert.ok(zHead.seq < before.base, "below where s's chain of z starts: s can't check it");
  const madeUp = await readCheckpoint(
    await makeCheckpoint(
      genuine.state,
      genuine.frontier.map((f) =>
        f.author === z.key
          ? { author: f.author, seq: f.seq, hash: crypto.getRandomValues(new Uint8Array(32)) }
          : f
      ),
      { mesh: genuine.mesh, made: genuine.made },
      new Signer(p.keys),
    ),
  );
  assert.equal(
    memberCheckpoints(s.home, p.key)(madeUp),
    `it covers ${z.key.short}'s entries to #${zHead.seq} without ${z.key.short}'s own signed ` +
      `entry #${zHead.seq}`,
  );
  assert.deepEqual(s.home.log.head(z.key), before, "nothing changed");
  assert.equal(memberCheckpoints(s.home, p.key)(genuine), undefined, "the genuine one passes");
  // And the mesh settles as without the forgery.
  mesh.heal();
  for (let i = 0; i < 4; i++) await mesh.timerRound();
  const digests = mesh.devices.filter((d) => d !== z).map((d) => d.home.digest());
  assert.deepEqual(digests, Array(digests.length).fill(digests[0]), "one state on every device");
});

Deno.test("a re-base onto a checkpoint made for the device (heads it holds without their entries) keeps the entries its old base had", async () => {
  await using mesh = await MemMesh.create(3, { seed: 7, tuning: { checkpointMin: 0 } });
  const { p, r, s, z, cut } = await taintedNewcomer(mesh);
  // p and r meet first: p gets r's admission of s, which s's base covers.
  mesh.heal();
  mesh.partition((a, b) => !((a === p && b === r) || (a === r && b === p)));
  for (let i = 0; i < 2; i++) await mesh.round(p, { all: true });
  assert.ok(p.home.log.head(r.key)!.seq >= s.home.log.head(r.key)!.seq, "p covers r's chain");
  // s holds these chains only as far as its base (it started from r's
  // checkpoint): their heads' entries are in that base alone.
  const baseOnly = [...s.home.log.heads()].filter(([a, h]) =>
    h.seq === h.base && s.home.log.entryAt(a, h.seq) === undefined
  );
  // What a session sends when a checkpoint with every entry would not fit
  // (exchange_send.ts): p's, made for s.
  const forS = await readCheckpoint(await p.home.checkpoint(s.home.log.heads()));
  const omitted = forS.frontier.filter((f) => f.proof === undefined).map((f) => f.author);
  assert.ok(
    baseOnly.some(([a]) => omitted.includes(a)),
    "some head s holds only in its base comes without its entry",
  );
  const took = await s.home.takeCheckpoint(forS);
  assert.ok(took.rebased, "s re-based on it");
  assert.equal(s.home.log.head(z.key)!.base, cut, "s's chain of z starts at the cut again");
  // s's own checkpoint, for a newcomer, still proves every head.
  const fromS = await readCheckpoint(await s.home.checkpoint());
  assert.equal(headProofProblem(fromS), undefined);
});
