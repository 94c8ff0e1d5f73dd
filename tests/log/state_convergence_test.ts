/**
 * @module state_convergence_test
 * The key property of the log and the fold, Yjs-style: seeded random meshes
 * in one process (tests/log/sim.ts) — 3–5 members with their own replicas
 * and clocks (a day or a year off, or near the end of time), outsiders that
 * members admit concurrently and remove with random `upTo` (repeatedly, and
 * with a huge `upTo` after a smaller one), hostile-but-signed entries
 * (backdated re-admissions, a member re-adding another with other keys),
 * legacy writes, and deliveries that are random, shuffled, duplicated and
 * partitioned. Once every entry is delivered:
 * - a replica whose ingest asked for it (a removal cut below entries it had
 *   folded, or removals raced) folds again from scratch at the end of that
 *   session, as a home does (src/storage/refold.ts over src/log/rebuild.ts);
 * - all replicas show the same state digest;
 * - rebuilding any replica in another valid order gives that digest too;
 * - nothing is lost: every entry of an admitted outsider is either folded
 *   or set aside past its cut.
 * The seed of a failing run is in the assertion message.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import type { MemoryLog } from "./memory_log.ts";
import { Sim, type SimOptions } from "./sim.ts";

/**
 * A valid order to fold from scratch: members' entries first (members are
 * never removed here, and they hold every admission and removal), shuffled
 * between authors, then the outsiders', shuffled.
 */
function membersFirst(sim: Sim): (all: SignedEntry[]) => SignedEntry[][] {
  return (all) => {
    const member = (e: SignedEntry) => sim.isMember(e.entry.author);
    return [sim.shuffle(all.filter(member)), sim.shuffle(all.filter((e) => !member(e)))];
  };
}

async function runMesh(seed: number, options: SimOptions, steps: number): Promise<string> {
  const sim = await Sim.create(seed, options);
  for (let i = 0; i < steps; i++) await sim.step();
  await sim.deliverAll();
  const finals: MemoryLog[] = [];
  for (const m of sim.members) finals.push(m.replica);
  const digests = finals.map((r) => stateDigest(r));
  assert.equal(new Set(digests).size, 1, `seed ${seed}: replicas differ: ${digests.join(" ")}`);
  // Another order, from scratch, on any replica: the same state.
  const again = await sim.pick(sim.members).replica.rebuilt(membersFirst(sim));
  const whole = again.refold ? await again.replica.refolded() : again.replica;
  assert.equal(stateDigest(whole), digests[0], `seed ${seed}: a rebuild differs`);
  // Nothing lost: each admitted outsider's entries are folded or kept aside past its cut.
  for (const [i, r] of finals.entries()) {
    const held = new Set([...r.chained(), ...r.asideFor("past_cut")].map((e) => toBase64(e.hash)));
    for (const o of sim.outsiders) {
      if (r.member(o.dev.key)?.added === undefined) continue;
      for (const e of o.dev.log) {
        const where = `${o.dev.key.short}#${e.entry.seq} on replica ${i}`;
        assert.ok(held.has(toBase64(e.hash)), `seed ${seed}: ${where} lost`);
      }
    }
  }
  return digests[0];
}

const PLAIN: SimOptions = {
  members: 3,
  outsiders: 0,
  removals: false,
  hostile: false,
  legacy: false,
};

Deno.test("convergence: members writing concurrently with skewed clocks reach one state", async () => {
  for (let seed = 1; seed <= 25; seed++) {
    await runMesh(seed, { ...PLAIN, members: 3 + (seed % 3) }, 60);
  }
});

Deno.test("convergence: admissions and removals with random upTo, concurrent re-admissions, legacy writes", async () => {
  for (let seed = 100; seed < 130; seed++) {
    await runMesh(seed, {
      members: 3 + (seed % 2),
      outsiders: 2,
      removals: true,
      hostile: false,
      legacy: true,
    }, 70);
  }
});

Deno.test("convergence: hostile-but-signed entries (backdated admissions, members re-added with other keys)", async () => {
  for (let seed = 200; seed < 230; seed++) {
    await runMesh(seed, {
      members: 3 + (seed % 3),
      outsiders: 2,
      removals: true,
      hostile: true,
      legacy: true,
    }, 70);
  }
});

Deno.test("convergence: members removing each other (races, chains, removed members still writing)", async () => {
  for (let seed = 400; seed < 440; seed++) {
    await runMesh(seed, {
      members: 3 + (seed % 3),
      outsiders: seed % 2,
      removals: true,
      hostile: seed % 4 === 0,
      legacy: false,
      memberRemovals: true,
    }, 80);
  }
});

Deno.test("convergence: long partitions and long runs still converge", async () => {
  for (let seed = 300; seed < 305; seed++) {
    await runMesh(
      seed,
      { members: 5, outsiders: 2, removals: true, hostile: true, legacy: false },
      250,
    );
  }
});

Deno.test("convergence: two replicas that differ by one folded entry have different digests", async () => {
  const sim = await Sim.create(7, PLAIN);
  for (let i = 0; i < 30; i++) await sim.step();
  await sim.deliverAll();
  const [a, b] = sim.members;
  assert.equal(stateDigest(a.replica), stateDigest(b.replica));
  await a.write([{ type: "app.add", name: "only-on-a" }], sim.now);
  assert.notEqual(stateDigest(a.replica), stateDigest(b.replica));
  await b.take(a.dev.log.map((e) => e.bytes));
  assert.equal(stateDigest(a.replica), stateDigest(b.replica));
});
