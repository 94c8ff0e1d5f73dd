/**
 * @module sync_helpers
 * Devices as real mycel homes on 127.0.0.1, for the sync integration tests:
 * create N devices with free ports, peer them by exchanging cards, start and
 * stop `sync serve --listen` servers (waiting for "listening on"), run
 * `sync now`, read digests and logs. Everything a {@link Devices} started is
 * killed by PID and every temporary folder removed when it is disposed.
 *
 * ```ts
 * await using devs = await devices(["a", "b"]);
 * const [a, b] = devs.list;
 * await devs.peer(a, b);
 * await b.serve();
 * const round = await a.syncNow();
 * ```
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { toHex } from "../../src/bytes.ts";
import { decodeSignedEntry, type SignedEntry } from "../../src/log/entry.ts";
import type { Op } from "../../src/log/ops.ts";
import { openReadOnly } from "../../src/storage/db.ts";
import { homePaths } from "../../src/storage/home.ts";
import { Home } from "../../src/storage/home_handle.ts";
import {
  describe,
  type LogEntryJson,
  type MycelOptions,
  type MycelProcess,
  type MycelResult,
  type SpawnOptions,
  type StatusJson,
  type SyncLineJson,
  type TempHome,
  tempHome,
} from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";

// bench/sync_bench.ts imports these two from here.
export { freePort } from "../helpers/net.ts";
export { sleep } from "../helpers/process.ts";

/** A `sync now` run: the process result and, with --json, its lines. */
export interface Round {
  result: MycelResult;
  outcomes: SyncLineJson[];
  /** The outcome for `peer`, by name (throws when absent). */
  of(peer: Device | string): SyncLineJson;
}

/** Default session deadline of `sync now` and `sync serve` in these tests (s). */
export const SYNC_TIMEOUT_S = 10;

/** One mycel device: a home in a temporary folder, an endpoint port, maybe a server. */
export class Device {
  readonly name: string;
  readonly tmp: TempHome;
  /** Port of its advertised endpoint 127.0.0.1:port. */
  readonly port: number;
  /** Device id (after init). */
  id = "";
  /** The running `sync serve --listen`, if any. */
  server?: MycelProcess;
  /** Every server this device ran (to check their logs). */
  readonly servers: MycelProcess[] = [];

  constructor(name: string, tmp: TempHome, port: number) {
    this.name = name;
    this.tmp = tmp;
    this.port = port;
  }

  /** The home folder. */
  get home(): string {
    return this.tmp.home;
  }

  /** `host:port` of its endpoint. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Run mycel in this home (never throws for a non-zero exit). */
  run(args: readonly string[], options: MycelOptions = {}): Promise<MycelResult> {
    return this.tmp.run(args, options);
  }

  /** Run mycel in this home and require exit 0. */
  ok(args: readonly string[], options: MycelOptions = {}): Promise<MycelResult> {
    return this.tmp.ok(args, options);
  }

  /** A local change that does not contact peers (`--no-sync ARGS`); requires exit 0. */
  write(...args: string[]): Promise<MycelResult> {
    return this.tmp.ok(["--no-sync", ...args]);
  }

  /** `status --json`. */
  status(): Promise<StatusJson> {
    return this.tmp.json<StatusJson>(["status", "--json"]);
  }

  /** The state digest. */
  async digest(): Promise<string> {
    return (await this.status()).state_digest;
  }

  /** `log --json`, sorted by (device, seq) so two reads compare equal. */
  async log(): Promise<LogEntryJson[]> {
    const entries = await this.tmp.json<LogEntryJson[]>(["log", "--json"]);
    return entries.sort((a, b) =>
      a.device < b.device ? -1 : a.device > b.device ? 1 : a.seq - b.seq
    );
  }

  /** This device's signed card. */
  async card(): Promise<string> {
    return (await this.tmp.ok(["mesh", "card"])).stdout.trim();
  }

  /**
   * `sync now --json --timeout S`; returns the result and its lines. The
   * exit code is left to the caller.
   */
  async syncNow(
    extra: readonly string[] = [],
    timeoutS = SYNC_TIMEOUT_S,
    options: MycelOptions = {},
  ): Promise<Round> {
    const args = ["sync", "now", "--json", "--timeout", String(timeoutS), ...extra];
    const result = await this.tmp.run(args, options);
    let outcomes: SyncLineJson[];
    try {
      outcomes = JSON.parse(result.stdout) as SyncLineJson[];
    } catch {
      throw new Error(`sync now printed no JSON: ${describe(args, result)}`);
    }
    return {
      result,
      outcomes,
      of(peer) {
        const name = typeof peer === "string" ? peer : peer.name;
        const o = outcomes.find((x) => x.name === name);
        if (o === undefined) throw new Error(`no outcome for ${name}: ${describe(args, result)}`);
        return o;
      },
    };
  }

  /** `sync now` that must sync with every peer (exit 0). */
  async syncAll(): Promise<Round> {
    const round = await this.syncNow();
    assert.equal(round.result.code, 0, describe(["sync", "now"], round.result));
    return round;
  }

  /**
   * Start `sync serve --listen 127.0.0.1:PORT --timeout S` and wait for
   * "listening on". Retries a few times when the port is briefly still
   * held (a server killed just before).
   */
  async serve(timeoutS = SYNC_TIMEOUT_S, options: SpawnOptions = {}): Promise<MycelProcess> {
    assert.equal(this.server, undefined, `${this.name} already serves`);
    for (let attempt = 0;; attempt++) {
      const p = this.tmp.spawn(
        ["sync", "serve", "--listen", this.endpoint, "--timeout", String(timeoutS)],
        { timeoutMs: 0, ...options },
      );
      try {
        await p.waitFor(/listening on \S+/, { stream: "stderr", timeoutMs: 30_000 });
        this.server = p;
        this.servers.push(p);
        return p;
      } catch (e) {
        await p.stop();
        if (attempt < 10 && /already in use/.test(p.stderr)) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw e;
      }
    }
  }

  /** Stop the server (SIGTERM, then SIGKILL after 5 s); returns its result. */
  async stopServer(): Promise<MycelResult | undefined> {
    const p = this.server;
    if (p === undefined) return undefined;
    this.server = undefined;
    p.kill("SIGTERM");
    const timer = setTimeout(() => p.kill("SIGKILL"), 5000);
    try {
      return await p.result();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kill the server with SIGKILL (by PID) and wait for it. */
  async killServer(): Promise<void> {
    const p = this.server;
    this.server = undefined;
    await p?.stop("SIGKILL");
  }

  /** The entries kept aside as the other branch of a fork (the `aside` table), decoded. */
  forkedEntries(): SignedEntry[] {
    return asideEntries(this.home, "fork");
  }
}

/**
 * Fold the write-ahead log of the home at `home` into `mycel.db` (as the last
 * writer does on close), so that a later connection has nothing to
 * checkpoint: from then on the database file changes only if something
 * writes. Returns the database's path.
 */
export function settleHome(home: string): string {
  const db = homePaths(home).db;
  const d = new DatabaseSync(db);
  try {
    d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    d.close();
  }
  return db;
}

/** Every row of `table` in the home at `home`, as JSON text (to compare before and after). */
export function tableRows(home: string, table: "peers" | "local" | "meta" | "entries"): string {
  const db = openReadOnly(homePaths(home).db);
  try {
    const rows = db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all();
    return JSON.stringify(rows, (_, v) => v instanceof Uint8Array ? toHex(v) : v);
  } finally {
    db.close();
  }
}

/** Entries kept aside in the home at `home` for `reason` (read straight from its database). */
export function asideEntries(home: string, reason: string): SignedEntry[] {
  const db = openReadOnly(homePaths(home).db);
  try {
    const rows = db.prepare("SELECT bytes FROM aside WHERE reason = ? ORDER BY author, seq")
      .all(reason) as { bytes: Uint8Array }[];
    return rows.map((r) => decodeSignedEntry(r.bytes));
  } finally {
    db.close();
  }
}

/** A set of devices; disposing it kills their servers (by PID) and removes their homes. */
export class Devices implements AsyncDisposable {
  readonly list: Device[] = [];

  /**
   * Create and `init` a device with a free port as its endpoint; `defaults`
   * (e.g. an environment) apply to every mycel process it runs.
   */
  async add(name: string, port = freePort(), defaults: MycelOptions = {}): Promise<Device> {
    const tmp = await tempHome(`mycel-sync-${name}-`, defaults);
    const d = new Device(name, tmp, port);
    this.list.push(d);
    await d.ok(["init", "--name", name, "--listen", d.endpoint]);
    d.id = (await d.status()).device.id;
    return d;
  }

  /** Peer `a` and `b`: each adds the other's card (offline). */
  async peer(a: Device, b: Device): Promise<void> {
    await a.write("mesh", "add-peer", await b.card());
    await b.write("mesh", "add-peer", await a.card());
  }

  /** Digests of every device (or of `some`). */
  async digests(some: readonly Device[] = this.list): Promise<string[]> {
    return await Promise.all(some.map((d) => d.digest()));
  }

  /** Assert all (or `some`) devices have one digest; returns it. */
  async assertConverged(some: readonly Device[] = this.list): Promise<string> {
    const ds = await this.digests(some);
    assert.equal(
      new Set(ds).size,
      1,
      `digests differ: ${some.map((d, i) => `${d.name}=${ds[i].slice(0, 12)}`).join(" ")}`,
    );
    return ds[0];
  }

  /** Stop every server (SIGTERM, then SIGKILL). */
  async stopServers(): Promise<void> {
    await Promise.all(this.list.map((d) => d.stopServer()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      await Promise.all(this.list.map((d) => d.killServer()));
    } finally {
      await Promise.all(this.list.map((d) => d.tmp.cleanup()));
    }
  }
}

/** What must not change on a device that refused something (see {@link snapshot}). */
export interface Snapshot {
  /** `state_digest` of `status --json`. */
  digest: string;
  /** The log heads of `status --json`. */
  heads: StatusJson["log"]["heads"];
  /** `pref list --json`, with `{ prefs: true }` only. */
  prefs?: unknown;
  /** `log --json`, sorted. */
  log: LogEntryJson[];
}

/** Digest, log heads and log of `d` (and its prefs with `prefs`), to compare before and after. */
export async function snapshot(d: Device, options: { prefs?: boolean } = {}): Promise<Snapshot> {
  const st = await d.status();
  return {
    digest: st.state_digest,
    heads: st.log.heads,
    ...(options.prefs ? { prefs: await d.tmp.json(["pref", "list", "--json"]) } : {}),
    log: await d.log(),
  };
}

/** `names.length` initialised devices (not peered). */
export async function devices(names: readonly string[]): Promise<Devices> {
  const devs = new Devices();
  try {
    for (const n of names) await devs.add(n);
  } catch (e) {
    await devs[Symbol.asyncDispose]();
    throw e;
  }
  return devs;
}

/**
 * Append `n` entries to the own log of the home at `home`, in-process: entry
 * i sets `PREFIX.k(i % keys)` to a value of about `valueBytes` characters,
 * each entry signed and committed through {@link Home.write}, `batch` entries
 * per transaction (one fsync per batch instead of one per command). For
 * making a backlog big enough to interrupt or to exceed a session budget,
 * cheaply. Other processes may use the home meanwhile (SQLite serialises
 * the writers).
 */
export async function appendBulk(
  home: string,
  n: number,
  options: { prefix?: string; keys?: number; valueBytes?: number; batch?: number } = {},
): Promise<void> {
  const { prefix = "bulk", keys = 100, valueBytes = 100, batch = 1000 } = options;
  const h = await Home.open(home, { write: true });
  try {
    const pad = "x".repeat(valueBytes);
    for (let done = 0; done < n;) {
      const size = Math.min(batch, n - done);
      await h.write(async (w) => {
        for (let i = done; i < done + size; i++) {
          const key = `${prefix}.k${i % keys}`;
          const ops: Op[] = [{
            type: "config.set",
            key,
            value: `${i}:${pad}`,
            observed: w.view.observed("config", key),
          }];
          await w.commit(ops);
        }
      });
      done += size;
    }
  } finally {
    h.close();
  }
}
