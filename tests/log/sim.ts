/**
 * @module sim
 * Seeded simulations of a whole mesh in one process, for the convergence and
 * checkpoint tests. Members are devices with their own replica (a
 * {@link MemoryLog} trusting the founder, whose first entry admits every
 * member); each writes real signed entries whose register writes observe
 * what its own replica shows (so causality is real), with its own clock skew.
 * Outsiders are devices that members admit (sometimes twice, concurrently,
 * or backdated), that write blindly, and that members remove with random
 * `upTo`. Replicas exchange random, shuffled, duplicated subsets of what
 * another device knows, within partitions.
 */

import { toBase64 } from "../../src/bytes.ts";
import type { Hlc } from "../../src/crdt/hlc.ts";
import type { Json } from "../../src/crdt/json.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import type { EntryDot, Op } from "../../src/log/ops.ts";
import type { Space } from "../../src/log/state.ts";
import { rng } from "../helpers/random.ts";
import { type TestDevice, testDevices } from "./helpers.ts";
import { MemoryLog } from "./memory_log.ts";

export const T0 = 1_700_000_000_000;
export const DAY = 86_400_000;
export const YEAR = 365 * DAY;
/** A clock offset that puts stamps near the end of representable time. */
export const END_OF_TIME = Number.MAX_SAFE_INTEGER - T0 - 10 * YEAR;

/** What a simulation may do besides plain writes. */
export interface SimOptions {
  /** Members (replicas), founder included: 2 or more. */
  members: number;
  /** Outsiders: devices admitted and removed by members. */
  outsiders: number;
  /** Members remove outsiders (random upTo, repeated, huge). */
  removals: boolean;
  /** Hostile-but-signed entries: backdated re-admissions, members re-added with other keys. */
  hostile: boolean;
  /** Writes without an observed list (entries from before the rule). */
  legacy: boolean;
  /**
   * Members remove each other (honest `upTo`: what the remover's replica
   * folded of the other), so removals race: mutual removals, chains of
   * removals, a removed member that keeps writing and removing.
   */
  memberRemovals?: boolean;
}

/** A device of the simulation. */
export class SimDevice {
  readonly dev: TestDevice;
  /** Its replica (replaced when it folds again from scratch). */
  replica: MemoryLog;
  /** How far its wall clock is off (ms). */
  readonly offset: number;
  /** Its replica had to fold again from scratch at least once. */
  refold = false;

  constructor(dev: TestDevice, replica: MemoryLog, offset: number) {
    this.dev = dev;
    this.replica = replica;
    this.offset = offset;
  }

  /** Every entry this device could send: its replica's chains and aside entries, and its own log. */
  known(): SignedEntry[] {
    const r = this.replica;
    return [...r.chained(), ...r.asideFor("past_cut"), ...r.asideFor("waiting"), ...this.dev.log];
  }

  /** Take in `raw` in one session; refold at its end when the ingest asks, as a home does. */
  async take(raw: readonly Uint8Array[]): Promise<void> {
    if ((await this.replica.receive(raw)).refold) {
      this.replica = await this.replica.refolded();
      this.refold = true;
    }
  }

  /** Sign an entry of `ops` at simulated time `now` (or at `stamp`) and take it in. */
  async write(ops: Op[], now: number, stamp?: Hlc): Promise<SignedEntry> {
    const e = await this.dev.appendAt(ops, stamp ?? this.dev.clock.now(now + this.offset));
    await this.take([e.bytes]);
    return e;
  }
}

/** A mesh of simulated devices. */
export class Sim {
  readonly random: () => number;
  readonly members: SimDevice[] = [];
  readonly outsiders: SimDevice[] = [];
  readonly options: SimOptions;
  now = T0;
  /** Members by partition group; sync happens only inside a group. */
  groups: number[] = [];

  private constructor(seed: number, options: SimOptions) {
    this.random = rng(seed);
    this.options = options;
  }

  /** A mesh whose founder admitted every member; each member published its own record. */
  static async create(seed: number, options: SimOptions): Promise<Sim> {
    const sim = new Sim(seed, options);
    const devs = await testDevices(options.members + options.outsiders);
    const founder = devs[0];
    const offsets = [0, 0, DAY, -DAY, YEAR, END_OF_TIME];
    for (const [i, dev] of devs.entries()) {
      const offset = i === 0 ? 0 : offsets[Math.floor(sim.random() * offsets.length)];
      const d = new SimDevice(dev, new MemoryLog([founder.key]), offset);
      (i < options.members ? sim.members : sim.outsiders).push(d);
    }
    sim.groups = sim.members.map(() => 0);
    const f = sim.members[0];
    await f.write(
      sim.members.map((m) => ({ type: "device.add", device: m.dev.record() })),
      sim.now,
    );
    for (const m of sim.members.slice(1)) {
      await m.take(f.dev.log.map((e) => e.bytes));
      await m.write([{ type: "device.add", device: m.dev.record() }], sim.now);
    }
    for (const o of sim.outsiders) {
      await o.write([{ type: "device.add", device: o.dev.record() }], sim.now);
    }
    return sim;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)];
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  shuffle<T>(xs: readonly T[]): T[] {
    return xs.map((x) => [this.random(), x] as const).sort(([a], [b]) => a - b).map(([, x]) => x);
  }

  /** The versions `d` shows for a key (what a real write names), sometimes none or a made-up one. */
  #observed(d: SimDevice, space: Space, key: string): EntryDot[] | undefined {
    if (this.options.legacy && this.chance(0.06)) return undefined;
    const r = this.random();
    if (r < 0.08) return []; // a write that saw nothing (e.g. typed before the last sync)
    if (r < 0.12) {
      return [{ author: this.pick(this.members).dev.key, seq: 1 + Math.floor(this.random() * 30) }];
    }
    return d.replica.view.observed(space, key);
  }

  /** One random op a member (or, blind, an outsider) writes. */
  #op(d: SimDevice, blind: boolean): Op {
    const view = d.replica.view;
    const key = this.pick(["ui.theme", "ui.font", "net.proxy", "a"]);
    const pref = this.pick(["lang", "tz", "mode"]);
    const id = this.pick(["p1", "p2", "p3"]);
    const value: Json = this.pick<Json>([1, "x", "y", true, null, {
      n: Math.floor(this.random() * 9),
    }, [1, 2]]);
    const obs = (
      space: Space,
      k: string,
    ) => (blind ? (this.chance(0.5) ? [] : undefined) : this.#observed(d, space, k));
    const withObs = <T extends Op>(
      op: T,
      o: EntryDot[] | undefined,
    ): T => (o === undefined ? op : { ...op, observed: o });
    switch (Math.floor(this.random() * 9)) {
      case 0:
      case 1:
        return withObs({ type: "config.set", key, value }, obs("config", key));
      case 2:
        return withObs({ type: "config.unset", key }, obs("config", key));
      case 3:
        return withObs({ type: "pref.set", key: pref, value: String(value) }, obs("prefs", pref));
      case 4:
        return withObs({ type: "pref.unset", key: pref }, obs("prefs", pref));
      case 5:
        return { type: "pattern.add", id, value: { id, v: value } };
      case 6:
        return { type: "pattern.remove", id, dots: blind ? [] : view.observed("patterns", id) };
      case 7:
        return { type: "app.add", name: this.pick(["git", "vim", "zsh", "jq"]) };
      default:
        return {
          type: "device.update",
          device: d.dev.key,
          fields: this.chance(0.5)
            ? { name: `n${Math.floor(this.random() * 5)}` }
            : { wgPort: Math.floor(this.random() * 3) },
        };
    }
  }

  /** A membership op a member writes about outsiders (or, hostile, about members). */
  #membership(): { ops: Op[]; stamp?: Hlc } | undefined {
    const o = this.outsiders.length > 0 ? this.pick(this.outsiders) : undefined;
    const r = this.random();
    if (o !== undefined && r < 0.45) {
      // Admission, concurrent with others; when hostile, sometimes backdated.
      const backdated = this.options.hostile && this.chance(0.3);
      return {
        ops: [{ type: "device.add", device: o.dev.record(`out-${Math.floor(this.random() * 3)}`) }],
        stamp: backdated
          ? { wall: Math.floor(this.random() * 1000), counter: 0, node: "" }
          : undefined,
      };
    }
    if (o !== undefined && this.options.removals && r < 0.8) {
      const have = o.dev.log.length;
      const upTo = this.chance(0.25)
        ? Number.MAX_SAFE_INTEGER
        : Math.floor(this.random() * (have + 3));
      return { ops: [{ type: "device.revoke", device: o.dev.key, upTo }] };
    }
    if (this.options.hostile) {
      // A member re-adds another member with other keys, backdated.
      const m = this.pick(this.members);
      const evil = {
        ...m.dev.record("evil"),
        noiseKey: toBase64(new Uint8Array(32).fill(7)),
        endpoints: ["6.6.6.6:1"],
      };
      return {
        ops: [{ type: "device.add", device: evil }],
        stamp: { wall: 1, counter: 0, node: "" },
      };
    }
    return undefined;
  }

  /** One random step: a write, a sync, or a partition change. */
  async step(): Promise<void> {
    this.now += 1 + Math.floor(this.random() * 2000);
    const r = this.random();
    if (r < 0.4) {
      const d = this.pick(this.members);
      const n = 1 + Math.floor(this.random() * 3);
      const ops = Array.from({ length: n }, () => this.#op(d, false));
      await d.write(ops, this.now);
    } else if (r < 0.5) {
      const writer = this.pick(this.members);
      if (this.options.memberRemovals && this.chance(0.3)) {
        const subject = this.pick(this.members.filter((m) => m !== writer));
        const upTo = writer.replica.seen(subject.dev.key);
        await writer.write([{ type: "device.revoke", device: subject.dev.key, upTo }], this.now);
        return;
      }
      const m = (this.options.outsiders > 0 || this.options.hostile)
        ? this.#membership()
        : undefined;
      if (m !== undefined) await writer.write(m.ops, this.now, m.stamp);
    } else if (r < 0.6) {
      if (this.outsiders.length === 0) return;
      const o = this.pick(this.outsiders);
      await o.write([this.#op(o, true), this.#op(o, true)], this.now);
    } else if (r < 0.93) {
      const to = this.pick(this.members);
      const peers = [...this.members, ...this.outsiders].filter((p) =>
        p !== to &&
        (this.outsiders.includes(p) ||
          this.groups[this.members.indexOf(p)] === this.groups[this.members.indexOf(to)])
      );
      if (peers.length === 0) return;
      const from = this.pick(peers);
      const known = from.known();
      const some = known.filter(() => this.chance(0.6));
      const dups = to.known().filter(() => this.chance(0.1));
      await to.take(this.shuffle([...some, ...dups]).map((e) => e.bytes));
    } else {
      this.groups = this.chance(0.5)
        ? this.members.map(() => 0)
        : this.members.map(() => Math.floor(this.random() * 2));
    }
  }

  /** Every entry anyone knows, once. */
  everything(): SignedEntry[] {
    const byHash = new Map<string, SignedEntry>();
    for (const d of [...this.members, ...this.outsiders]) {
      for (const e of d.known()) byHash.set(toBase64(e.hash), e);
    }
    return [...byHash.values()];
  }

  /** Heal partitions and deliver everything to every member until nothing changes. */
  async deliverAll(): Promise<void> {
    this.groups = this.members.map(() => 0);
    for (let round = 0; round < 20; round++) {
      const all = this.everything();
      let changed = false;
      for (const m of this.members) {
        const before = m.known().length + m.replica.aside.size;
        await m.take(this.shuffle(all).map((e) => e.bytes));
        if (m.known().length + m.replica.aside.size !== before) changed = true;
      }
      if (!changed) return;
    }
    throw new Error("delivery did not settle in 20 rounds");
  }

  /** Is `d` a member device (replica) of this simulation? */
  isMember(key: TestDevice["key"]): boolean {
    return this.members.some((m) => m.dev.key === key);
  }
}
