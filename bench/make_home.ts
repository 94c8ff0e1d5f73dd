/**
 * @module make_home
 * Build a home with N real signed entries over K preference keys from D
 * devices, fast, for benchmarks and outside checks:
 *
 *   deno run -A bench/make_home.ts --entries 100000 --keys 1000 --out /tmp/h [--devices 3]
 *
 * The home's own device founds the mesh and admits the others; then entries
 * go round-robin over the devices, each a `pref.set` of key `k<i mod K>` that
 * replaces the version its author last saw (as a device that syncs often
 * would). Entries are signed in worker threads (Ed25519 is the cost), the next
 * batch while the current one is stored, and stored through the same ingest
 * path as entries from a peer. Prints one JSON line: entries, seconds,
 * entries per second, CPU seconds (all threads), the load average after, the
 * state digest.
 *
 * Other benches use the parts: {@link createBenchMesh} (the home and the
 * devices' keys), {@link signedBatches} (raw entries, in arrival order) and
 * {@link appendEntries}.
 */

import { newDeviceRecord } from "../src/log/device_record.ts";
import process from "node:process";
import { parseArgs } from "node:util";
import { DeviceKey } from "../src/log/device_key.ts";
import { type DeviceKeys, generateDeviceKeys } from "../src/log/identity.ts";
import { encodeOp, type Op } from "../src/log/ops.ts";
import { createHome } from "../src/storage/home_create.ts";
import { Home } from "../src/storage/home_handle.ts";

/** What to build. */
export interface MakeHomeOptions {
  entries: number;
  keys: number;
  devices: number;
  out: string;
  /** Wall time of the first entry (ms); entries are a millisecond apart. */
  start?: number;
}

/** A mesh of bench devices whose entries we can keep making (the keys stay in memory). */
export interface BenchMesh {
  /** Every device's keys; device 0 owns the home. */
  readonly devices: DeviceKeys[];
  readonly keys: DeviceKey[];
  /** Where each device's chain ends. */
  readonly heads: { seq: number; hash: Uint8Array | null }[];
  /** The version each preference key shows now (the next write replaces it). */
  readonly current: Map<number, { author: DeviceKey; seq: number }>;
  /** Entries made so far (key and value numbering go on from here). */
  made: number;
  /** Wall time of the next entry. */
  wall: number;
}

/** Create a home at `out` for device 0 of `devices` new devices, admitting the others. */
export async function createBenchMesh(
  out: string,
  devices: number,
  start = 1_700_000_000_000,
): Promise<BenchMesh> {
  const all = await Promise.all(Array.from({ length: devices }, () => generateDeviceKeys()));
  const keys = all.map((k) => DeviceKey.of(k.signPublic));
  await createHome(out, {
    keys: all[0],
    mesh: "benchmesh",
    now: () => start,
    env: () => undefined,
    keyStore: "file",
    genesis: () =>
      keys.map((k, i) => ({
        type: "device.add" as const,
        device: newDeviceRecord(k, all[i], `d${i}`),
      })),
  });
  const home = await Home.open(out);
  try {
    const heads = keys.map((k) => ({
      seq: home.log.head(k)?.seq ?? 0,
      hash: home.log.head(k)?.hash ?? null,
    }));
    return { devices: all, keys, heads, current: new Map(), made: 0, wall: start + 1000 };
  } finally {
    home.close();
  }
}

/** Build runs of entries in `threads` workers (one chain is sequential; chains go in parallel). */
function builders(threads: number) {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL("./make_home_worker.ts", import.meta.url), { type: "module" }),
  );
  let next = 0;
  type Reply = { all: Uint8Array; ends: Uint32Array; hash: Uint8Array };
  const waiting = new Map<number, (r: Reply) => void>();
  for (const w of workers) {
    w.onmessage = (e: MessageEvent<Reply & { id: number }>) => {
      waiting.get(e.data.id)!(e.data);
      waiting.delete(e.data.id);
    };
  }
  return {
    run(worker: number, job: Record<string, unknown>): Promise<Reply> {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        workers[worker % workers.length].postMessage({ ...job, id });
      });
    },
    close: () => workers.forEach((w) => w.terminate()),
  };
}

/** Plan and sign one batch of `n` entries (round-robin over devices); advances `m`. */
async function signBatch(m: BenchMesh, pool: ReturnType<typeof builders>, n: number, keys: number) {
  const items: { op: unknown[]; wall: number }[][] = m.keys.map(() => []);
  const order: number[] = [];
  const devices = m.keys.length;
  for (let i = 0; i < n; i++) {
    const at = m.made + i;
    const dev = at % devices;
    const k = at % keys;
    const seq = m.heads[dev].seq + items[dev].length + 1;
    const seen = m.current.get(k);
    const op: Op = {
      type: "pref.set",
      key: `k${k}`,
      value: `v${at}`,
      observed: seen ? [seen] : [],
    };
    m.current.set(k, { author: m.keys[dev], seq });
    items[dev].push({ op: encodeOp(op), wall: m.wall++ });
    order.push(dev);
  }
  m.made += n;
  const jobs = items.map((list, dev) => ({
    seed: m.devices[dev].signPrivate,
    key: m.keys[dev].bytes,
    seq: m.heads[dev].seq,
    prev: m.heads[dev].hash,
    items: list,
  }));
  items.forEach((list, dev) => m.heads[dev].seq += list.length);
  const runs = await Promise.all(jobs.map((job, dev) => pool.run(dev, job)));
  runs.forEach((r, dev) => {
    if (items[dev].length > 0) m.heads[dev].hash = r.hash;
  });
  const cursor = m.keys.map(() => 0);
  return order.map((dev) => {
    const r = runs[dev], i = cursor[dev]++;
    return r.all.subarray(i === 0 ? 0 : r.ends[i - 1], r.ends[i]);
  });
}

/**
 * The next `entries` entries of `m` as raw signed bytes, `batch` at a time, in
 * arrival order (devices interleaved); the batch after the one handed out is
 * signed meanwhile.
 */
export async function* signedBatches(
  m: BenchMesh,
  entries: number,
  keys: number,
  batch = 8192,
): AsyncGenerator<Uint8Array[]> {
  // One worker per chain (chains are sequential; the OS shares the cores).
  const pool = builders(Math.min(m.keys.length, 4));
  try {
    let left = entries;
    const next = () => {
      const n = Math.min(batch, left);
      left -= n;
      return signBatch(m, pool, n, keys);
    };
    let pending = left > 0 ? next() : undefined;
    while (pending !== undefined) {
      const raw = await pending;
      pending = left > 0 ? next() : undefined;
      yield raw;
    }
  } finally {
    pool.close();
  }
}

/** Sign `entries` more entries of `m` and ingest them into `home`, a batch per transaction. */
export async function appendEntries(
  m: BenchMesh,
  home: Home,
  entries: number,
  keys: number,
): Promise<void> {
  for await (const raw of signedBatches(m, entries, keys)) {
    const stream = home.ingestStream();
    await stream.push(raw);
    const result = await stream.finish();
    if (result.accepted !== raw.length) {
      throw new Error(
        `ingest kept ${result.accepted} of ${raw.length}: ${JSON.stringify(result.refused[0])}`,
      );
    }
  }
}

/** Build the home; returns what was made. */
export async function makeHome(o: MakeHomeOptions) {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const mesh = await createBenchMesh(o.out, o.devices, o.start);
  const home = await Home.open(o.out, { write: true });
  try {
    await appendEntries(mesh, home, o.entries, o.keys);
    const digest = home.digest();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6; // every thread: signing workers too
    return {
      entries: o.entries,
      keys: o.keys,
      devices: o.devices,
      seconds,
      perSecond: Math.round(o.entries / seconds),
      cpuSeconds,
      load: Deno.loadavg().map((l) => Number(l.toFixed(2))),
      digest,
    };
  } finally {
    home.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      entries: { type: "string" },
      keys: { type: "string", default: "1000" },
      devices: { type: "string", default: "3" },
      out: { type: "string" },
    },
  });
  if (!values.entries || !values.out) {
    console.error("usage: make_home.ts --entries N --keys K --out DIR [--devices D]");
    Deno.exit(2);
  }
  console.log(JSON.stringify(
    await makeHome({
      entries: Number(values.entries),
      keys: Number(values.keys),
      devices: Number(values.devices),
      out: values.out,
    }),
  ));
}
