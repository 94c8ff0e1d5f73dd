/**
 * @module mesh_random_test
 * Seeded random meshes of real homes in one process (tests/sync/_mem_mesh.ts:
 * SQLite homes, the real round with its fan-out, Noise and the exchange,
 * over in-memory links), in the spirit of Yjs's random network tests:
 * random partitions (groups that cannot reach each other), devices switched
 * off for a while, random writes of every kind, compactions at random
 * moments (keeping no history, so everything every device holds goes),
 * checkpoints for devices far behind, partial fan-out (meshes above 8
 * devices), and a device retired on the way. After the network heals, every
 * device must show one `state_digest` within the 3 timer rounds the design
 * promises, must hold every write made anywhere, and compaction must never
 * have changed a state.
 *
 * A failing seed prints itself; `SEEDS=17 deno test …` replays one
 * (MESH_DEBUG=1 prints the last rounds and every device's chains).
 */

import assert from "node:assert/strict";
import type { Op } from "../../src/log/ops.ts";
import { compactNow } from "../../src/sync/compact.ts";
import { rng } from "../helpers/random.ts";
import { type MemDevice, MemMesh, refoldedDigest, shuffle } from "./_mem_mesh.ts";

/** Write something random on `d`; returns the app it added, if any. */
function randomOps(d: MemDevice, random: () => number, i: number): { ops: Op[]; app?: string } {
  const view = d.home.view;
  const key = `k${Math.floor(random() * 6)}`;
  switch (Math.floor(random() * 6)) {
    case 0:
      return {
        ops: [{
          type: "pref.set",
          key,
          value: `${d.name}-${i}`,
          observed: view.observed("prefs", key),
        }],
      };
    case 1:
      return { ops: [{ type: "pref.unset", key, observed: view.observed("prefs", key) }] };
    case 2:
      return {
        ops: [{
          type: "config.set",
          key: `c.${key}`,
          value: { n: i, by: d.name },
          observed: view.observed("config", `c.${key}`),
        }],
      };
    case 3: {
      const app = `app-${d.name}-${i}`;
      return { ops: [{ type: "app.add", name: app }], app };
    }
    case 4:
      return { ops: [{ type: "pattern.add", id: key, value: { id: key, by: d.name, n: i } }] };
    default: {
      const dots = view.observed("patterns", key);
      return dots.length === 0
        ? { ops: [{ type: "app.add", name: "common" }], app: "common" }
        : { ops: [{ type: "pattern.remove", id: key, dots }] };
    }
  }
}

/**
 * Invariants after every round: no device holds a removed device's entries
 * past its cut in a chain (they are kept aside), and what a device knows a
 * peer holds never exceeds what the peer holds (for authors not removed).
 */
function checkInvariants(mesh: MemMesh, seed: number, where: string): void {
  for (const d of mesh.devices) {
    for (const m of d.home.view.members()) {
      if (m.removed === undefined) continue;
      const seq = d.home.log.head(m.record.key)?.seq ?? 0;
      assert.ok(
        seq <= m.removed.cut,
        `seed ${seed} ${where}: ${d.name} holds ${m.record.name} up to #${seq}, past its cut #${m.removed.cut}`,
      );
    }
    for (const [peer, book] of d.home.local.peers()) {
      const p = mesh.devices.find((x) => x.key === peer);
      if (p === undefined) continue;
      for (const [hex, seq] of Object.entries(book.heads)) {
        const author = p.home.view.members().find((m) => m.record.key.hex === hex);
        if (author === undefined || author.removed !== undefined) continue;
        const held = p.home.log.head(author.record.key)?.seq ?? 0;
        assert.ok(
          held >= seq,
          `seed ${seed} ${where}: ${d.name} believes ${p.name} holds ${author.record.name} up to #${seq}; it holds #${held}`,
        );
      }
    }
  }
}

interface RunStats {
  checkpoints: number;
  compactions: number;
  dropped: number;
}

/** One seeded run; throws (naming the seed) when the mesh does not converge. */
async function run(seed: number, size: number, stats: RunStats): Promise<void> {
  await using mesh = await MemMesh.create(size, { seed, tuning: { checkpointMin: 8 } });
  const random = rng(seed); // the test's own choices (the mesh's fan-out draws from its own)
  await mesh.peerAll();
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const apps = new Set<string>();
  let writes = 0;
  let retired: MemDevice | undefined;
  const phases = 5;
  for (let phase = 0; phase < phases; phase++) {
    // Partition: each device in one of 1–3 groups; some devices off.
    const groups = new Map(mesh.devices.map((d) => [d, Math.floor(random() * 3)]));
    mesh.partition((a, b) => groups.get(a) !== groups.get(b) && random() < 0.9);
    for (const d of mesh.devices) d.up = d !== retired && random() < 0.8;
    // Writes: a burst on one device now and then, so some fall far behind.
    const live = mesh.devices.filter((d) => d.up);
    const burst = random() < 0.3 && live.length > 0;
    const count = burst ? 40 : Math.floor(random() * 12);
    for (let i = 0; i < count && live.length > 0; i++) {
      const d = burst ? live[0] : live[Math.floor(random() * live.length)];
      const { ops, app } = randomOps(d, random, writes++);
      await mesh.write(d, ops);
      if (app) apps.add(app);
    }
    const rounds = 1 + Math.floor(random() * 2);
    for (let r = 0; r < rounds; r++) {
      const concurrent = CONCURRENT && random() < 0.3;
      for (const rec of await mesh.timerRound({ concurrent })) {
        for (const o of rec.outcomes) if (o.exchange?.sentCheckpoint) stats.checkpoints++;
      }
      checkInvariants(mesh, seed, `phase ${phase} round ${r}`);
    }
    // Compactions at random moments: the state must not move.
    mesh.now += 60_000;
    for (const d of shuffle([...mesh.devices], random)) {
      if (!d.up || random() < 0.5) continue;
      const before = d.home.digest();
      const r = await compactNow(d.home, { keepDays: 0 });
      assert.equal(
        d.home.digest(),
        before,
        `seed ${seed}: compaction on ${d.name} moved its state`,
      );
      if (r.moves.length > 0 && random() < 0.15) {
        assert.equal(
          await refoldedDigest(d),
          before,
          `seed ${seed}: a refold of ${d.name} from its new base differs`,
        );
      }
      stats.compactions++;
      stats.dropped += r.dropped;
    }
    // Midway, a live device retires another one for good.
    if (phase === 2 && size >= 4) {
      const [by, gone] = shuffle(mesh.devices.filter((d) => d.up), random);
      if (by && gone && gone !== mesh.devices[0]) {
        retired = gone;
        gone.up = false;
        const known = Math.max(
          by.home.log.head(gone.key)?.seq ?? 0,
          ...[...by.home.local.peers().values()].map((b) => b.heads[gone.key.hex] ?? 0),
        );
        await mesh.write(by, [
          { type: "device.revoke", device: gone.key, upTo: known },
          { type: "device.retire", device: gone.key },
        ]);
      }
    }
  }
  mesh.heal();
  for (const d of mesh.devices) d.up = d !== retired;
  const last: string[] = [];
  for (let r = 0; r < 3; r++) {
    for (const rec of await mesh.timerRound()) {
      last.push(
        `r${r} ${rec.device.name}: ` +
          rec.outcomes.map((o) =>
            `${o.name}=${o.status}${o.error ? `(${o.error})` : ""}${
              o.exchange?.sentCheckpoint ? "+cp" : ""
            }${o.exchange?.took ? "+took" : ""}/${o.exchange?.sent ?? 0}/${
              o.exchange?.ingest?.accepted ?? 0
            }`
          ).join(" "),
      );
    }
  }
  const digests = mesh.digests();
  if (new Set(digests).size !== 1 && Deno.env.get("MESH_DEBUG")) {
    console.log(last.join("\n"));
    for (const d of mesh.devices.filter((d) => d.up)) {
      const removed = d.home.view.members().filter((m) => m.removed)
        .map((m) => `${m.record.name} cut ${m.removed!.cut} by ${m.removed!.by.short}`);
      const heads = [...d.home.log.heads()].map(([a, h]) =>
        `${d.home.view.member(a)?.record.name}:${h.base}-${h.seq}`
      );
      const aside = d.home.log.asideSummary().map((x) =>
        `${d.home.view.member(x.author)?.record.name} ${x.reason} ${x.from}-${x.to}`
      );
      console.log(d.name, d.home.digest().slice(0, 8), removed, heads.join(" "), aside);
    }
  }
  assert.equal(
    new Set(digests).size,
    1,
    `seed ${seed} (${size} devices, ${writes} writes): digests differ after 3 rounds: ${
      digests.map((x) => x.slice(0, 8)).join(" ")
    }`,
  );
  // What the retired device wrote before it went is kept; every app added anywhere is there.
  for (const d of mesh.devices.filter((d) => d.up)) {
    const have = new Set(d.home.view.apps());
    const lost = [...apps].filter((a) => !have.has(a) && !a.includes(`-${retired?.name}-`));
    assert.deepEqual(lost, [], `seed ${seed}: ${d.name} lacks apps`);
  }
}

const SEEDS = (Deno.env.get("SEEDS") ?? "1,2,3,4,5,6").split(",").map(Number);
/**
 * Rounds of all devices at once (MESH_CONCURRENT=1): closer to life, but the
 * interleaving then depends on timing, so a failing seed may not replay.
 */
const CONCURRENT = Deno.env.get("MESH_CONCURRENT") === "1";

Deno.test("seeded random meshes (partitions, devices off, writes, compaction, checkpoints, a retirement) converge within 3 timer rounds of healing", async () => {
  const stats: RunStats = { checkpoints: 0, compactions: 0, dropped: 0 };
  for (const seed of SEEDS) {
    const size = 3 + (seed * 7) % 10; // 3–12 devices: above 8, rounds fan out partially
    await run(seed, size, stats);
  }
  // The runs exercised what they claim to.
  assert.ok(stats.compactions > 0 && stats.dropped > 0, JSON.stringify(stats));
  assert.ok(stats.checkpoints > 0, `no checkpoint was sent: ${JSON.stringify(stats)}`);
});
