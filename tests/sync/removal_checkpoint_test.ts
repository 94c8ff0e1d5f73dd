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
 * last entry. In-process homes linked in memory (tests/sync/_mem_mesh.ts).
 */

import assert from "node:assert/strict";
import { checkRemovedBase } from "../../src/cli/doctor.ts";
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

Deno.test("a device whose base took a removed device's change past the cut keeps syncing with everyone; nobody else takes that change", async () => {
  // Found by a review helper: refusing such checkpoints made a device whose
  // base already held one fail every session with every member, for good.
  await using mesh = await MemMesh.create(3, { seed: 7, tuning: { checkpointMin: 0 } });
  const { p, q, r, z, cut } = await longHistoryThroughQ(mesh);
  mesh.partition((a, b) => (a === z) !== (b === r) || a === b);
  await mesh.write(z, [{ type: "pref.set", key: "z", value: "EVIL" }]);
  await mesh.round(z);
  z.up = false;
  // s joins through r, which has not heard of any removal: s starts from r's checkpoint.
  const s = await mesh.add("s");
  await mesh.admit(r, s);
  mesh.partition((a, b) => !((a === r && b === s) || (a === s && b === r)));
  await mesh.round(s, { all: true });
  assert.equal(s.home.log.head(z.key)!.base, cut + 1, "s's base covers z's change past the cut");
  mesh.partition((a, b) => [r, s].includes(a) !== [r, s].includes(b));
  await mesh.write(p, [{ type: "device.revoke", device: z.key, upTo: cut }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();

  mesh.heal();
  for (let i = 0; i < 2; i++) await mesh.timerRound(); // everyone hears of the removal and of s
  const failed: string[] = [];
  for (let i = 0; i < 3; i++) {
    for (const rec of await mesh.timerRound()) {
      for (const o of rec.outcomes) {
        if (o.status !== "synced") failed.push(`${rec.device.name} → ${o.name}: ${o.error}`);
      }
    }
  }
  assert.deepEqual(failed.filter((f) => !f.includes("→ z")), [], "sessions failed after healing");
  // s's own changes still reach everyone; nobody else took z's change past the cut.
  await mesh.write(s, [{ type: "app.add", name: "from-s" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  for (const d of [p, q, r]) {
    assert.deepEqual(d.home.view.apps(), ["from-s"], d.name);
    assert.equal(d.home.view.pref("z"), "v79", d.name);
    assert.deepEqual(checkRemovedBase(d.home), [], d.name);
  }
  // s still holds the change (open: docs/trust.md), and its doctor says so.
  assert.equal(s.home.view.pref("z"), "EVIL");
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
});
