/**
 * @module mem_mesh
 * A mesh of real homes in one process, linked in memory: each device is a
 * SQLite home in a temporary folder (one shared handle for its rounds and
 * its answers), rounds are the real `syncRoundOn` (fan-out, routes, Noise,
 * the exchange, bookkeeping, compaction), and every dial opens an in-memory
 * link (src/transport/memory_stream.ts) whose far end the real responder
 * (`serveOn`) answers. No sockets, no processes: for seeded random networks
 * in tests and for benchmarks of many devices.
 *
 * ```ts
 * await using mesh = await MemMesh.create(5);
 * await mesh.peerAll();
 * await mesh.write(mesh.devices[1], [{ type: "app.add", name: "vim" }]);
 * await mesh.timerRound();
 * ```
 */

import { newDeviceRecord } from "../../src/log/device_record.ts";
import { MycelError } from "../../src/errors.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import type { DeviceKeys } from "../../src/log/identity.ts";
import type { Op } from "../../src/log/ops.ts";
import { createHome } from "../../src/storage/home_create.ts";
import { Home } from "../../src/storage/home_handle.ts";
import type { SessionOutcome } from "../../src/sync/peer_session_types.ts";
import { syncRoundOn } from "../../src/sync/round.ts";
import { limitsFor, type SessionTuning } from "../../src/sync/session_bounds.ts";
import { serveOn } from "../../src/sync/serve.ts";
import { memoryLink } from "../../src/transport/memory_stream.ts";
import { rng } from "../helpers/random.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { DatabaseSync } from "node:sqlite";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { refold } from "../../src/storage/refold.ts";
import { SqlLog } from "../../src/storage/sql_log.ts";
import { SqlState } from "../../src/storage/sql_state.ts";

/** Read deadline of every session (ms); generous: nothing here waits on a network. */
const TIMEOUT_MS = 20_000;
/** Start of the shared clock. */
export const T0 = 1_700_000_000_000;

/** One in-memory device. */
export class MemDevice {
  readonly name: string;
  readonly root: string;
  readonly keys: DeviceKeys;
  /** Its open home (replaced by {@link MemMesh.restore}). */
  home: Home;
  /** False once it is switched off (it neither dials nor answers). */
  up = true;
  /** Wire bytes of the sessions it took part in (both directions, both roles). */
  bytes = 0;

  constructor(name: string, root: string, keys: DeviceKeys, home: Home) {
    this.name = name;
    this.root = root;
    this.keys = keys;
    this.home = home;
  }

  /** Its key. */
  get key(): DeviceKey {
    return this.home.device;
  }

  /** Its record as it wrote it itself. */
  get record(): DeviceRecord {
    return this.home.view.member(this.key)!.record;
  }
}

/** What one device's round did. */
export interface RoundRecord {
  device: MemDevice;
  outcomes: SessionOutcome[];
}

/** Options of a mesh. */
export interface MemMeshOptions {
  /** Seed of the fan-out's random choices. */
  seed?: number;
  /** Session bounds (budget, when a checkpoint pays). */
  tuning?: SessionTuning;
  /** Compact after rounds when due (compact.ts). */
  compact?: boolean;
}

/** Devices, the links between them, and one clock. */
export class MemMesh implements AsyncDisposable {
  readonly devices: MemDevice[] = [];
  /** The shared wall clock (ms); tests move it. */
  now = T0;
  readonly #random: () => number;
  readonly #keyRandom: () => number;
  readonly #options: MemMeshOptions;
  #blocked: (a: MemDevice, b: MemDevice) => boolean = () => false;
  readonly #serving = new Set<Promise<unknown>>();
  /** Every answered session's outcome, in the order they ended. */
  readonly served: SessionOutcome[] = [];

  private constructor(options: MemMeshOptions) {
    this.#options = options;
    this.#random = rng((options.seed ?? 1) ^ 0xfa40);
    this.#keyRandom = rng((options.seed ?? 1) ^ 0x5eed);
  }

  /** `n` devices, each alone in its own home (not peered yet). */
  static async create(n: number, options: MemMeshOptions = {}): Promise<MemMesh> {
    const mesh = new MemMesh(options);
    try {
      for (let i = 0; i < n; i++) await mesh.add(`d${i}`);
    } catch (e) {
      await mesh[Symbol.asyncDispose]();
      throw e;
    }
    return mesh;
  }

  /** Create one more device (not peered). */
  async add(name: string): Promise<MemDevice> {
    const root = await Deno.makeTempDir({ prefix: `mycel-mem-${name}-` });
    const keys = seededKeys(this.#keyRandom);
    const now = () => this.now;
    await createHome(root, {
      keys,
      mesh: "memmesh",
      now,
      env: () => undefined,
      keyStore: "file",
      genesis: (key) => [{ type: "device.add", device: newDeviceRecord(key, keys, name) }],
    });
    const home = await Home.open(root, { write: true, now, env: () => undefined });
    home.useKeys(keys);
    const d = new MemDevice(name, root, keys, home);
    this.devices.push(d);
    return d;
  }

  /** The first device admits every other, and each admits it (as `mesh add-peer` both ways). */
  async peerAll(): Promise<void> {
    const [first, ...rest] = this.devices;
    for (const d of rest) await this.admit(first, d);
  }

  /** `a` and `b` admit each other. */
  async admit(a: MemDevice, b: MemDevice): Promise<void> {
    await this.write(a, [{ type: "device.add", device: b.record }]);
    await this.write(b, [{ type: "device.add", device: a.record }]);
  }

  /** Commit `ops` on `d` as one entry. */
  async write(d: MemDevice, ops: Op[] | ((d: MemDevice) => Op[])): Promise<SignedEntry> {
    const e = await d.home.write((w) => w.commit(typeof ops === "function" ? ops(d) : ops));
    return e!;
  }

  /** Devices `a` and `b` cannot reach each other while `blocked(a, b)` (either order). */
  partition(blocked: (a: MemDevice, b: MemDevice) => boolean): void {
    this.#blocked = blocked;
  }

  /** Every device reaches every other again. */
  heal(): void {
    this.#blocked = () => false;
  }

  #reachable(a: MemDevice, b: MemDevice): boolean {
    return a.up && b.up && !this.#blocked(a, b) && !this.#blocked(b, a);
  }

  #dial(from: MemDevice, toHex: string) {
    const to = this.devices.find((d) => d.key.hex === toHex);
    if (to === undefined || !this.#reachable(from, to)) {
      return Promise.reject(
        new MycelError("unreachable", "connect", "no link", { value: to?.name ?? toHex }),
      );
    }
    const link = memoryLink({ a: from.name, b: to.name });
    const now = () => this.now;
    const task = serveOn(to.home, link.b, { path: "memory", address: from.name }, {
      now,
      env: () => undefined,
      limits: limitsFor(TIMEOUT_MS, [], this.#options.tuning),
      log: () => {},
    }).then((o) => {
      this.served.push(o);
      const bytes = link.bytes.aToB + link.bytes.bToA;
      from.bytes += bytes;
      to.bytes += bytes;
    });
    this.#serving.add(task);
    task.finally(() => this.#serving.delete(task));
    return Promise.resolve(link.a);
  }

  /** One `sync now` of `d` (nothing when it is switched off). */
  async round(d: MemDevice, o: { all?: boolean } = {}): Promise<SessionOutcome[]> {
    if (!d.up) return [];
    const outcomes = await syncRoundOn(d.home, {
      now: () => this.now,
      env: () => undefined,
      timeoutMs: TIMEOUT_MS,
      all: o.all,
      routes: (peer) => [{ path: "memory", host: peer.key.hex, port: 1 }],
      connect: (route) => this.#dial(d, route.host),
      random: this.#random,
      tuning: this.#options.tuning,
      compact: this.#options.compact,
    });
    await this.settle();
    return outcomes;
  }

  /** Wait until every answered session is over (its bookkeeping written). */
  async settle(): Promise<void> {
    while (this.#serving.size > 0) await Promise.allSettled([...this.#serving]);
  }

  /**
   * One timer tick: every device that is up runs one round, one after
   * another in a seeded order (or all at once with `concurrent`); the clock
   * moves on 30 s.
   */
  async timerRound(o: { concurrent?: boolean } = {}): Promise<RoundRecord[]> {
    const order = shuffle([...this.devices], this.#random);
    const out: RoundRecord[] = [];
    if (o.concurrent) {
      await Promise.all(
        order.map(async (d) => out.push({ device: d, outcomes: await this.round(d) })),
      );
    } else {
      for (const d of order) out.push({ device: d, outcomes: await this.round(d) });
    }
    this.now += 30_000;
    return out;
  }

  /** A copy of `d`'s database as it is now (a backup), in its folder. */
  backup(d: MemDevice): string {
    const copy = `${d.root}/backup-${this.now}.db`;
    const src = new DatabaseSync(d.home.paths.db);
    try {
      src.exec(`VACUUM INTO '${copy}'`);
    } finally {
      src.close();
    }
    return copy;
  }

  /** Put `d`'s database back as `copy` held it (restored from a backup). */
  async restore(d: MemDevice, copy: string): Promise<void> {
    await this.settle();
    d.home.close();
    const db = d.home.paths.db;
    for (const f of [`${db}-wal`, `${db}-shm`]) await Deno.remove(f).catch(() => {});
    await Deno.copyFile(copy, db);
    d.home = await Home.open(d.root, { write: true, now: () => this.now, env: () => undefined });
    d.home.useKeys(d.keys);
  }

  /** `state_digest` of every device that is up. */
  digests(): string[] {
    return this.devices.filter((d) => d.up).map((d) => d.home.digest());
  }

  /** The random source the mesh uses (tests draw from the same seed). */
  get random(): () => number {
    return this.#random;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.settle();
    for (const d of this.devices) d.home.close();
    await Promise.all(
      this.devices.map((d) => Deno.remove(d.root, { recursive: true }).catch(() => {})),
    );
  }
}

/**
 * The digest `d`'s state would have if folded again from scratch: from its
 * base checkpoint and the entries it still stores (the real refold, on a
 * copy of its database). Equal to its digest when compaction kept the base
 * and the entries consistent.
 */
export async function refoldedDigest(d: MemDevice): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-refold-" });
  try {
    const copy = `${dir}/copy.db`;
    const src = new DatabaseSync(d.home.paths.db);
    try {
      src.exec(`VACUUM INTO '${copy}'`);
    } finally {
      src.close();
    }
    const db = await openWritable(copy);
    try {
      const state = new SqlState(db);
      await inTransaction(db, copy, () => refold(db, state, new SqlLog(db, Date.now), d.key));
      return stateDigest(state);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Device keys from `random` (the same seed, the same keys: key order shapes a run). */
function seededKeys(random: () => number): DeviceKeys {
  const bytes = () => Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256));
  const signPrivate = bytes(), noisePrivate = bytes(), wgPrivate = bytes();
  return {
    signPrivate,
    signPublic: ed25519.getPublicKey(signPrivate),
    noisePrivate,
    noisePublic: x25519.getPublicKey(noisePrivate),
    wgPrivate,
    wgPublic: x25519.getPublicKey(wgPrivate),
  };
}

/** Fisher–Yates with `random`. */
export function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** A `pref set` that supersedes what `d` shows for `key` (as the CLI writes it). */
export function pref(key: string, value: string): (d: MemDevice) => Op[] {
  return (d) => [{ type: "pref.set", key, value, observed: d.home.view.observed("prefs", key) }];
}
