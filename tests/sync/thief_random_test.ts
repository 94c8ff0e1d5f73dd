/**
 * @module thief_random_test
 * Seeded random meshes (tests/sync/_mem_mesh.ts: real homes, rounds and
 * exchanges over in-memory links) with a stolen device: the owner removes
 * it while the thief keeps writing in another part of the mesh, whose
 * devices have not heard of the removal yet, fold its later changes and hand
 * out checkpoints holding them to newcomers and to devices far behind
 * (checkpointMin 8). Those bases are what a state merge could never take out
 * again; a clean member's checkpoint replaces them (a re-base,
 * src/storage/checkpoint_rebase.ts). Within 3 timer rounds of healing, with
 * the thief shut out: one `state_digest` on every device, every honest write there,
 * none of the thief's changes past the cut folded anywhere, and no device
 * whose `doctor` still names them.
 *
 * `SEEDS=5 deno test …` replays one seed; `ROUNDS=n` allows n rounds.
 */

import assert from "node:assert/strict";
import { checkRemovedBase } from "../../src/cli/doctor_history.ts";
import { rng } from "../helpers/random.ts";
import { type MemDevice, MemMesh, shuffle } from "./_mem_mesh.ts";

/** Timer rounds after healing within which the mesh must agree. */
const ROUNDS_AFTER_HEALING = Number(Deno.env.get("ROUNDS") ?? 3);

interface Tally {
  rebased: number;
  newcomers: number;
}

async function run(seed: number, size: number, tally: Tally): Promise<void> {
  await using mesh = await MemMesh.create(size, { seed, tuning: { checkpointMin: 8 } });
  const random = rng(seed);
  await mesh.peerAll();
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const owner = mesh.devices[0];
  const thief = mesh.devices[size - 1];
  const honestApps = new Set<string>();
  const thiefLate: string[] = []; // apps the thief added past the cut
  let cut: number | undefined;
  let n = 0;
  // Two sides: the thief's (true) and the owner's; the others on either, a
  // few changing sides each phase, some off.
  const side = new Map(mesh.devices.map((d) => [d, random() < 0.5]));
  for (let phase = 0; phase < 5; phase++) {
    for (const d of mesh.devices) if (random() < 0.1) side.set(d, !side.get(d));
    side.set(thief, true);
    side.set(owner, false);
    mesh.partition((a, b) => side.get(a) !== side.get(b));
    for (const d of mesh.devices) d.up = d === owner || d === thief || random() < 0.8;
    if (phase === 1) {
      // The owner removes the thief, as far as it has seen it.
      cut = owner.home.log.head(thief.key)?.seq ?? 0;
      await mesh.write(owner, [{ type: "device.revoke", device: thief.key, upTo: cut }]);
    }
    const writers = mesh.devices.filter((d) => d.up);
    const burst = random() < 0.5;
    // Mostly overwrites of a few keys, so the state stays small next to the
    // history and devices far behind get checkpoints; an app now and then.
    for (let i = 0, count = burst ? 80 : 1 + Math.floor(random() * 8); i < count; i++) {
      const d = writers[burst ? n % writers.length : Math.floor(random() * writers.length)];
      const late = d === thief && cut !== undefined ? "late-" : "";
      if (random() < 0.05) {
        const app = `${late}app-${d.name}-${n++}`;
        await mesh.write(d, [{ type: "app.add", name: app }]);
        if (d !== thief) honestApps.add(app);
        else if (late) thiefLate.push(app);
      } else {
        const key = `k${Math.floor(random() * 4)}`;
        await mesh.write(d, [{
          type: "pref.set",
          key,
          value: `${late}${d.name}-${n++}`,
          observed: d.home.view.observed("prefs", key),
        }]);
      }
    }
    if (thief.up && cut !== undefined) {
      const app = `late-app-${n++}`;
      await mesh.write(thief, [{ type: "app.add", name: app }]);
      thiefLate.push(app);
      for (let i = 0; i < 3; i++) {
        const key = `k${Math.floor(random() * 4)}`;
        const observed = thief.home.view.observed("prefs", key);
        await mesh.write(thief, [{ type: "pref.set", key, value: `late-${n++}`, observed }]);
      }
    }
    // The thief's side hears its news before a newcomer comes.
    await mesh.timerRound();
    if (phase >= 1 && phase <= 3 && random() < 0.7) {
      // A newcomer admitted on the thief's side: its first session is with
      // its admitter (as pairing does), whose checkpoint it starts from.
      const on = mesh.devices.filter((d) => side.get(d) && d !== thief && d.up);
      const admitter = shuffle(on, random)[0];
      if (admitter) {
        const d = await mesh.add(`new${phase}`);
        side.set(d, true);
        await mesh.admit(admitter, d);
        mesh.partition((a, b) => !((a === d && b === admitter) || (a === admitter && b === d)));
        await mesh.round(d);
        mesh.partition((a, b) => side.get(a) !== side.get(b));
        tally.newcomers++;
      }
    }
    for (let r = 0, rounds = 1 + Math.floor(random() * 2); r < rounds; r++) {
      for (const rec of await mesh.timerRound()) {
        for (const o of rec.outcomes) if (o.exchange?.took?.rebased) tally.rebased++;
      }
    }
  }
  mesh.heal();
  for (const d of mesh.devices) d.up = d !== thief;
  for (let r = 0; r < ROUNDS_AFTER_HEALING; r++) {
    for (const rec of await mesh.timerRound()) {
      for (const o of rec.outcomes) if (o.exchange?.took?.rebased) tally.rebased++;
    }
  }
  // Sessions answered took checkpoints too.
  tally.rebased += mesh.served.filter((o) => o.exchange?.took?.rebased).length;
  const honest = mesh.devices.filter((d: MemDevice) => d !== thief);
  const digests = honest.map((d) => d.home.digest());
  const where = (d: MemDevice) =>
    `${d.name} ${d.home.digest().slice(0, 8)} held past cut: ${
      JSON.stringify(checkRemovedBase(d.home).map((f) => f.detail))
    }`;
  assert.equal(
    new Set(digests).size,
    1,
    `seed ${seed} (${honest.length} honest devices): digests differ after ` +
      `${ROUNDS_AFTER_HEALING} rounds:\n${honest.map(where).join("\n")}`,
  );
  for (const d of honest) {
    const have = new Set(d.home.view.apps());
    assert.deepEqual([...honestApps].filter((a) => !have.has(a)), [], `seed ${seed}: ${d.name}`);
    assert.deepEqual(thiefLate.filter((a) => have.has(a)), [], `seed ${seed}: ${d.name}`);
    const prefs = ["k0", "k1", "k2", "k3"].map((k) => d.home.view.pref(k) ?? "");
    assert.deepEqual(prefs.filter((v) => v.startsWith("late-")), [], `seed ${seed}: ${d.name}`);
    assert.deepEqual(checkRemovedBase(d.home), [], `seed ${seed}: ${d.name}`);
    assert.equal(d.home.view.member(thief.key)?.removed?.cut, cut, `seed ${seed}: ${d.name}`);
  }
}

const SEEDS = (Deno.env.get("SEEDS") ?? "1,2,3,4,5,6,7,8").split(",").map(Number);

Deno.test("seeded random meshes with a thief writing past its removal, newcomers and far-behind devices starting from its side's checkpoints: one state everywhere once healed, none of its later changes", async () => {
  const tally: Tally = { rebased: 0, newcomers: 0 };
  for (const seed of SEEDS) await run(seed, 4 + seed % 5, tally);
  // The runs exercised what they claim to.
  assert.ok(tally.newcomers > 0 && tally.rebased > 0, JSON.stringify(tally));
});
