/**
 * @module state_convergence_test
 * The key property of the log + fold: a seeded random network of 3–5 devices,
 * each with real keys and its own skewed wall clock, makes random changes of
 * every kind (each batch a real signed, hash-chained entry stamped by the
 * device's HLC), and gossips entries in random order between replicas —
 * through partitions, duplicates and out-of-order arrival. Replicas buffer
 * entries that arrive ahead of their author's sequence and drop duplicates
 * the way a log does, so no (author, seq) is ever applied twice. Once every
 * replica has every entry, all state digests are equal (and equal to a
 * reference fold); and two replicas that differ by one entry differ.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { bytesEqual, toBase64 } from "../../src/bytes.ts";
import { compareHlc, HlcClock } from "../../src/crdt/hlc.ts";
import type { Json } from "../../src/crdt/json.ts";
import { type DeviceId, deviceIdFromKey } from "../../src/log/device_id.ts";
import type { DeviceFields } from "../../src/log/device_record.ts";
import {
  createEntry,
  decodeSignedEntry,
  type SignedEntry,
  verifyEntrySignature,
} from "../../src/log/entry.ts";
import { type DeviceKeys, Signer } from "../../src/log/identity.ts";
import type { Op } from "../../src/log/ops.ts";
import { MeshState } from "../../src/log/state.ts";
import { plainState, stateDigest } from "../../src/log/state_codec.ts";
import { OP_TYPES, testKeys } from "./helpers.ts";

const MAX_DEVICES = 5;
const KEYS: DeviceKeys[] = await testKeys(MAX_DEVICES);
const SIGNERS = KEYS.map((k) => new Signer(k));
/** Devices that are never replicas but get added, updated and revoked. */
const OUTSIDERS = [0xa1, 0xb2].map((b) => new Uint8Array(32).fill(b));
const T0 = 1_700_000_000_000;

// ---------------------------------------------------------------------------
// The scenario, as data fast-check can generate and shrink

type OpSpec =
  | { k: "pref.set"; key: number; value: number }
  | { k: "pref.unset"; key: number }
  | { k: "config.set"; key: number; value: number }
  | { k: "config.unset"; key: number }
  | { k: "app.add"; name: number }
  | { k: "pattern.add"; id: number; n: number }
  | { k: "pattern.remove"; id: number }
  | { k: "device.add"; target: number; name: number }
  | { k: "device.update"; target: number; fields: number; name: number }
  | { k: "device.revoke"; target: number };

type Step =
  | { t: "local"; dev: number; ops: OpSpec[] }
  | { t: "send"; from: number; to: number; picks: number[]; dups: number[] }
  | { t: "tick"; dev: number; ms: number }
  | { t: "partition"; groups: number[] }
  | { t: "heal" };

const PREF_KEYS = ["theme", "lang", "font"];
const PREF_VALUES = ["dark", "light", "", "中文 🙂"];
const CONFIG_KEYS = ["ui.theme", "editor.font.size", "a"];
const CONFIG_VALUES: Json[] = [1, "x", { a: [1, 2], b: null }, null, true, [], 2.5];
const APPS = ["git", "vim", "zed", "firefox"];
const PATTERNS = ["p1", "p2", "p3"];
const NAMES = ["laptop", "desktop", "phone", "server"];

const opSpecArb: fc.Arbitrary<OpSpec> = fc.oneof(
  fc.record({ k: fc.constant("pref.set" as const), key: fc.nat(2), value: fc.nat(3) }),
  fc.record({ k: fc.constant("pref.unset" as const), key: fc.nat(2) }),
  fc.record({ k: fc.constant("config.set" as const), key: fc.nat(2), value: fc.nat(6) }),
  fc.record({ k: fc.constant("config.unset" as const), key: fc.nat(2) }),
  fc.record({ k: fc.constant("app.add" as const), name: fc.nat(3) }),
  fc.record({ k: fc.constant("pattern.add" as const), id: fc.nat(2), n: fc.nat(9) }),
  fc.record({ k: fc.constant("pattern.remove" as const), id: fc.nat(2) }),
  fc.record({ k: fc.constant("pattern.remove" as const), id: fc.nat(2) }),
  fc.record({ k: fc.constant("device.add" as const), target: fc.nat(6), name: fc.nat(3) }),
  fc.record({
    k: fc.constant("device.update" as const),
    target: fc.nat(6),
    fields: fc.integer({ min: 1, max: 15 }),
    name: fc.nat(3),
  }),
  fc.record({ k: fc.constant("device.revoke" as const), target: fc.nat(6) }),
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant("local" as const),
      dev: fc.nat(MAX_DEVICES - 1),
      ops: fc.array(opSpecArb, { minLength: 1, maxLength: 3 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("send" as const),
      from: fc.nat(MAX_DEVICES - 1),
      to: fc.nat(MAX_DEVICES - 1),
      picks: fc.array(fc.nat(), { maxLength: 8, size: "max" }),
      dups: fc.array(fc.nat(), { maxLength: 2 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("tick" as const),
      dev: fc.nat(MAX_DEVICES - 1),
      // Mostly forward, sometimes the wall clock steps back.
      ms: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -3000, max: 0 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("partition" as const),
      groups: fc.array(fc.nat(1), { minLength: MAX_DEVICES, maxLength: MAX_DEVICES }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("heal" as const) }) },
);

const scenarioArb = fc.record({
  devices: fc.integer({ min: 3, max: MAX_DEVICES }),
  /** Per-device clock skew: small, or beyond the allowed drift. */
  skews: fc.array(
    fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.constantFrom(-120_000, 90_000)),
    { minLength: MAX_DEVICES, maxLength: MAX_DEVICES },
  ),
  steps: fc.array(stepArb, { minLength: 10, maxLength: 120, size: "max" }),
  /** Seeds of the final delivery order, one per replica. */
  finalOrders: fc.array(fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), {
    minLength: MAX_DEVICES,
    maxLength: MAX_DEVICES,
  }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

// ---------------------------------------------------------------------------
// A replica: a device's state, log store and incoming buffer

class Replica {
  readonly dev: number;
  readonly signer: Signer;
  readonly id: DeviceId;
  readonly clock: HlcClock;
  wall: number;
  readonly state = new MeshState();
  /** Every entry held, per author, contiguous from seq 1. */
  readonly store = new Map<DeviceId, SignedEntry[]>();
  /** Entries that arrived ahead of their author's next seq. */
  readonly buffer = new Map<DeviceId, Map<number, Uint8Array>>();
  readonly applied = new Set<string>();
  duplicates = 0;

  constructor(dev: number, skew: number) {
    this.dev = dev;
    this.signer = SIGNERS[dev];
    this.id = this.signer.id;
    this.clock = new HlcClock(this.id);
    this.wall = T0 + skew;
  }

  have(author: DeviceId): number {
    return this.store.get(author)?.length ?? 0;
  }

  /** A local command: one signed entry holding `ops`. */
  async commit(ops: Op[]): Promise<void> {
    const own = this.store.get(this.id) ?? [];
    const e = await createEntry(this.signer, {
      seq: own.length + 1,
      prev: own.at(-1)?.hash ?? null,
      hlc: this.clock.now(this.wall),
      ops,
    });
    await this.receive(e.bytes);
  }

  /** An entry's bytes arrive (from ourselves or a peer). */
  async receive(bytes: Uint8Array): Promise<void> {
    const e = decodeSignedEntry(bytes);
    const { author, seq } = e.entry;
    const have = this.have(author);
    if (seq <= have) {
      // A duplicate: a log keeps the first copy and never applies it again.
      assert.ok(bytesEqual(this.store.get(author)![seq - 1].hash, e.hash), "no forks here");
      this.duplicates++;
      return;
    }
    if (seq > have + 1) {
      let parked = this.buffer.get(author);
      if (parked === undefined) this.buffer.set(author, parked = new Map());
      parked.set(seq, bytes);
      return;
    }
    await this.#apply(e);
    // Drain whatever this unblocked.
    const parked = this.buffer.get(author);
    while (parked?.has(this.have(author) + 1)) {
      const next = this.have(author) + 1;
      const b = parked.get(next)!;
      parked.delete(next);
      await this.#apply(decodeSignedEntry(b));
    }
    for (const s of parked?.keys() ?? []) if (s <= this.have(author)) parked!.delete(s);
    if (parked?.size === 0) this.buffer.delete(author);
  }

  async #apply(e: SignedEntry): Promise<void> {
    const { author, seq } = e.entry;
    assert.ok(await verifyEntrySignature(e), "every entry is genuine");
    const log = this.store.get(author) ?? [];
    assert.equal(seq, log.length + 1);
    if (seq > 1) assert.ok(bytesEqual(e.entry.prev!, log[seq - 2].hash), "hash chain");
    const key = `${author}/${seq}`;
    assert.ok(!this.applied.has(key), `${key} applied twice`);
    this.applied.add(key);
    this.state.apply(e.entry);
    if (author !== this.id) this.clock.observe(e.entry.hlc, this.wall);
    log.push(e);
    this.store.set(author, log);
  }

  /** What `other` holds that we lack (ahead of our heads), in (author, seq) order. */
  lacking(other: Replica): SignedEntry[] {
    const out: SignedEntry[] = [];
    for (const [author, log] of [...other.store].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.push(...log.slice(this.have(author)));
    }
    return out;
  }

  /** What `other` holds that we already have (for duplicate deliveries). */
  shared(other: Replica): SignedEntry[] {
    const out: SignedEntry[] = [];
    for (const [author, log] of other.store) out.push(...log.slice(0, this.have(author)));
    return out;
  }

  headsKey(): string {
    return [...this.store].map(([a, log]) => `${a}:${log.length}`).sort().join(",");
  }
}

function deviceKeyOf(target: number): Uint8Array {
  return target < MAX_DEVICES ? KEYS[target].signPublic : OUTSIDERS[target % OUTSIDERS.length];
}

/** Turn a spec into a real op, looking at the replica's current state where needed. */
function resolve(spec: OpSpec, r: Replica): Op {
  switch (spec.k) {
    case "pref.set":
      return { type: "pref.set", key: PREF_KEYS[spec.key], value: PREF_VALUES[spec.value] };
    case "pref.unset":
      return { type: "pref.unset", key: PREF_KEYS[spec.key] };
    case "config.set":
      return { type: "config.set", key: CONFIG_KEYS[spec.key], value: CONFIG_VALUES[spec.value] };
    case "config.unset":
      return { type: "config.unset", key: CONFIG_KEYS[spec.key] };
    case "app.add":
      return { type: "app.add", name: APPS[spec.name] };
    case "pattern.add": {
      const id = PATTERNS[spec.id];
      return { type: "pattern.add", id, value: { id, n: spec.n, by: r.dev } };
    }
    case "pattern.remove": {
      const id = PATTERNS[spec.id];
      return { type: "pattern.remove", id, dots: r.state.patterns.dots(id) };
    }
    case "device.add": {
      const key = deviceKeyOf(spec.target);
      const keys = spec.target < MAX_DEVICES ? KEYS[spec.target] : undefined;
      return {
        type: "device.add",
        device: {
          id: deviceIdFromKey(key),
          name: NAMES[spec.name],
          noiseKey: toBase64(keys?.noisePublic ?? key),
          wgKey: toBase64(keys?.wgPublic ?? key),
          endpoints: [`10.0.0.${spec.target + 1}:7850`],
          ipv4: `100.64.0.${spec.target + 1}`,
          wgPort: 51820,
        },
      };
    }
    case "device.update": {
      const fields: Partial<DeviceFields> = {};
      if (spec.fields & 1) fields.name = NAMES[spec.name];
      if (spec.fields & 2) fields.endpoints = spec.name % 2 ? [] : [`[fd00::${spec.name}]:7850`];
      if (spec.fields & 4) fields.ipv4 = spec.name % 2 ? "" : `100.64.1.${spec.name}`;
      if (spec.fields & 8) fields.wgPort = spec.name * 1000;
      return { type: "device.update", id: deviceIdFromKey(deviceKeyOf(spec.target)), fields };
    }
    case "device.revoke":
      return { type: "device.revoke", id: deviceIdFromKey(deviceKeyOf(spec.target)), upTo: 0 };
  }
}

/** Deterministic shuffle driven by generated numbers. */
function shuffled<T>(xs: readonly T[], seeds: readonly number[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = seeds[i % seeds.length] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Reference: every entry folded author by author, in seq order. */
function referenceFold(logs: Map<DeviceId, SignedEntry[]>, skip?: DeviceId): MeshState {
  const s = new MeshState();
  for (const [author, log] of [...logs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const upto = author === skip ? log.length - 1 : log.length;
    for (const e of log.slice(0, upto)) s.apply(e.entry);
  }
  return s;
}

interface Stats {
  entries: number;
  ops: Record<string, number>;
  duplicates: number;
  buffered: number;
  realRemoves: number;
  comparedMidway: number;
  /** Steps after which some replica held a remove parked ahead of its add. */
  parked: number;
}

async function runScenario(sc: Scenario, stats: Stats): Promise<void> {
  const n = sc.devices;
  const replicas = Array.from({ length: n }, (_, i) => new Replica(i, sc.skews[i]));
  let groups: number[] | undefined;

  for (const step of sc.steps) {
    switch (step.t) {
      case "local": {
        const r = replicas[step.dev % n];
        const ops = step.ops.map((s) => resolve(s, r));
        for (const op of ops) {
          stats.ops[op.type] = (stats.ops[op.type] ?? 0) + 1;
          if (op.type === "pattern.remove" && op.dots.length > 0) stats.realRemoves++;
        }
        await r.commit(ops);
        stats.entries++;
        r.wall += 1; // commands take time
        break;
      }
      case "send": {
        const from = replicas[step.from % n], to = replicas[step.to % n];
        if (from === to) break;
        if (groups && groups[from.dev] !== groups[to.dev]) break; // partitioned
        const lacking = to.lacking(from);
        if (lacking.length > 0) {
          for (const p of step.picks) {
            const e = lacking[p % lacking.length];
            if (e.entry.seq > to.have(e.entry.author) + 1) stats.buffered++;
            await to.receive(e.bytes);
          }
        }
        const shared = to.shared(from);
        for (const p of shared.length > 0 ? step.dups : []) {
          await to.receive(shared[p % shared.length].bytes);
        }
        break;
      }
      case "tick":
        replicas[step.dev % n].wall += step.ms;
        for (const r of replicas) r.wall += 10;
        break;
      case "partition":
        groups = step.groups;
        break;
      case "heal":
        groups = undefined;
        break;
    }
    if (replicas.some((r) => r.state.patterns.state().pending.length > 0)) stats.parked++;
    // Midway: replicas holding exactly the same entries have the same state,
    // whatever order those entries arrived in.
    const byHeads = new Map<string, Replica[]>();
    for (const r of replicas) byHeads.set(r.headsKey(), [...(byHeads.get(r.headsKey()) ?? []), r]);
    for (const same of byHeads.values()) {
      if (same.length < 2) continue;
      stats.comparedMidway++;
      const ds = await Promise.all(same.map((r) => stateDigest(r.state)));
      assert.ok(ds.every((d) => d === ds[0]), "replicas with the same entries diverged midway");
    }
  }

  // Every replica's own stamps are strictly increasing.
  for (const r of replicas) {
    const own = r.store.get(r.id) ?? [];
    for (let i = 1; i < own.length; i++) {
      assert.ok(compareHlc(own[i].entry.hlc, own[i - 1].entry.hlc) > 0, "HLC went backwards");
    }
  }

  // Heal everything: every replica receives every entry, in its own random order.
  const logs = new Map<DeviceId, SignedEntry[]>();
  for (const r of replicas) {
    const own = r.store.get(r.id);
    if (own) logs.set(r.id, own);
  }
  const all = [...logs.values()].flat();
  for (const r of replicas) {
    for (const e of shuffled(all, sc.finalOrders[r.dev])) await r.receive(e.bytes);
    assert.equal(r.buffer.size, 0, "nothing left waiting");
    for (const [author, log] of logs) assert.equal(r.have(author), log.length);
    stats.duplicates += r.duplicates;
  }

  const reference = referenceFold(logs);
  const want = await stateDigest(reference);
  for (const r of replicas) {
    const got = await stateDigest(r.state);
    if (got !== want) {
      // Show where they differ.
      assert.deepStrictEqual(plainState(r.state), plainState(reference), `replica ${r.dev}`);
    }
    assert.equal(got, want);
  }

  // The converse: missing any one author's last entry changes the digest.
  for (const author of logs.keys()) {
    assert.notEqual(
      await stateDigest(referenceFold(logs, author)),
      want,
      `a replica lacking ${author}'s last entry must differ`,
    );
  }
}

Deno.test("convergence: random networks of 3–5 devices reach the same state digest", async () => {
  const stats: Stats = {
    entries: 0,
    ops: {},
    duplicates: 0,
    buffered: 0,
    realRemoves: 0,
    comparedMidway: 0,
    parked: 0,
  };
  await fc.assert(
    fc.asyncProperty(scenarioArb, (sc) => runScenario(sc, stats)),
    { seed: 0x6d79636c, numRuns: 300 },
  );
  // The scenarios really exercised what they claim to.
  assert.ok(stats.entries > 3000, `${stats.entries} entries`);
  for (const t of OP_TYPES) assert.ok((stats.ops[t] ?? 0) > 300, `${t}: ${stats.ops[t]}`);
  assert.ok(stats.realRemoves > 300, `${stats.realRemoves} removes with observed dots`);
  assert.ok(stats.duplicates > 1000, `${stats.duplicates} duplicates dropped`);
  assert.ok(stats.buffered > 300, `${stats.buffered} out-of-order arrivals`);
  assert.ok(stats.comparedMidway > 300, `${stats.comparedMidway} midway comparisons`);
  assert.ok(stats.parked > 5, `${stats.parked} steps with a parked remove`);
});

Deno.test("convergence: heavy partitions and long offline runs still converge (second seed)", async () => {
  const stats: Stats = {
    entries: 0,
    ops: {},
    duplicates: 0,
    buffered: 0,
    realRemoves: 0,
    comparedMidway: 0,
    parked: 0,
  };
  const partitioned = scenarioArb.map((sc) => ({
    ...sc,
    // Start partitioned, so devices work offline for a long time.
    steps: [{ t: "partition" as const, groups: [0, 1, 0, 1, 1] }, ...sc.steps],
  }));
  await fc.assert(
    fc.asyncProperty(partitioned, (sc) => runScenario(sc, stats)),
    { seed: 20240601, numRuns: 60 },
  );
  assert.ok(stats.entries > 1000, `${stats.entries} entries`);
});

Deno.test("convergence: two replicas differing by exactly one entry have different digests", async () => {
  // Direct check of the converse on a small fixed history, entry by entry.
  const replica = new Replica(0, 0);
  const other = new Replica(1, 0);
  const specs: OpSpec[] = [
    { k: "app.add", name: 0 },
    { k: "app.add", name: 0 }, // an entry that changes nothing visible
    { k: "pattern.remove", id: 0 }, // a remove that observed nothing
    { k: "pref.unset", key: 0 },
  ];
  for (const s of specs) await replica.commit([resolve(s, replica)]);
  for (const e of replica.store.get(replica.id)!) {
    const before = await stateDigest(other.state);
    await other.receive(e.bytes);
    assert.notEqual(await stateDigest(other.state), before, `entry ${e.entry.seq} left no trace`);
  }
  assert.equal(await stateDigest(other.state), await stateDigest(replica.state));
});
