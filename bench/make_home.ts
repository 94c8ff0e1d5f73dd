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
 * would). Entries are signed in worker threads (Ed25519 is the cost) and
 * stored through the same ingest path as entries from a peer. Prints one
 * JSON line: entries, seconds, entries per second, the state digest.
 */

import { parseArgs } from "node:util";
import { toBase64 } from "../src/bytes.ts";
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
  /** Wall time of the first entry (ms); entries are a second apart. */
  start?: number;
}

function record(key: DeviceKey, keys: DeviceKeys, name: string) {
  return {
    key,
    id: key.id,
    name,
    noiseKey: toBase64(keys.noisePublic),
    wgKey: toBase64(keys.wgPublic),
    endpoints: [],
    ipv4: "",
    wgPort: 0,
  };
}

/** Build runs of entries in `threads` workers (one chain is sequential; chains go in parallel). */
function builders(threads: number) {
  const workers = Array.from(
    { length: threads },
    () => new Worker(new URL("./make_home_worker.ts", import.meta.url), { type: "module" }),
  );
  let next = 0;
  const waiting = new Map<number, (r: { entries: Uint8Array[]; hash: Uint8Array }) => void>();
  for (const w of workers) {
    w.onmessage = (e: MessageEvent<{ id: number; entries: Uint8Array[]; hash: Uint8Array }>) => {
      waiting.get(e.data.id)!(e.data);
      waiting.delete(e.data.id);
    };
  }
  return {
    run(
      worker: number,
      job: Record<string, unknown>,
    ): Promise<{ entries: Uint8Array[]; hash: Uint8Array }> {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        workers[worker % workers.length].postMessage({ ...job, id });
      });
    },
    close: () => workers.forEach((w) => w.terminate()),
  };
}

function jwkOf(keys: DeviceKeys): JsonWebKey {
  return {
    kty: "OKP",
    crv: "Ed25519",
    d: keys.signPrivate.toBase64({ alphabet: "base64url", omitPadding: true }),
    x: keys.signPublic.toBase64({ alphabet: "base64url", omitPadding: true }),
  };
}

/** Build the home; returns what was made. */
export async function makeHome(o: MakeHomeOptions) {
  const started = performance.now();
  const devices = await Promise.all(Array.from({ length: o.devices }, () => generateDeviceKeys()));
  const keys = devices.map((k) => DeviceKey.of(k.signPublic));
  await createHome(o.out, {
    keys: devices[0],
    mesh: "benchmesh",
    now: () => o.start ?? 1_700_000_000_000,
    env: () => undefined,
    keyStore: "file",
    genesis: () =>
      keys.map((k, i) => ({ type: "device.add" as const, device: record(k, devices[i], `d${i}`) })),
  });
  const home = await Home.open(o.out, { write: true });
  const heads = keys.map((k) => ({
    seq: home.log.head(k)?.seq ?? 0,
    hash: home.log.head(k)?.hash ?? null,
  }));
  // The version each key shows now: the next write replaces it (as a device
  // that syncs often would see it).
  const current = new Map<number, { author: DeviceKey; seq: number }>();
  const pool = builders(Math.min(2, o.devices));
  const BATCH = 8192;
  let wall = (o.start ?? 1_700_000_000_000) + 1000;
  try {
    for (let done = 0; done < o.entries;) {
      const n = Math.min(BATCH, o.entries - done);
      const items: { op: unknown[]; wall: number }[][] = keys.map(() => []);
      const order: number[] = [];
      for (let i = 0; i < n; i++) {
        const dev = (done + i) % o.devices;
        const k = (done + i) % o.keys;
        const seq = heads[dev].seq + items[dev].length + 1;
        const seen = current.get(k);
        const op: Op = {
          type: "pref.set",
          key: `k${k}`,
          value: `v${done + i}`,
          observed: seen ? [seen] : [],
        };
        current.set(k, { author: keys[dev], seq });
        items[dev].push({ op: encodeOp(op), wall: wall++ });
        order.push(dev);
      }
      const runs = await Promise.all(
        items.map((list, dev) =>
          pool.run(dev, {
            jwk: jwkOf(devices[dev]),
            key: keys[dev].bytes,
            seq: heads[dev].seq,
            prev: heads[dev].hash,
            items: list,
          })
        ),
      );
      runs.forEach((r, dev) =>
        heads[dev] = { seq: heads[dev].seq + items[dev].length, hash: r.hash }
      );
      const cursor = keys.map(() => 0);
      const raw = order.map((dev) => runs[dev].entries[cursor[dev]++]);
      const stream = home.ingestStream();
      await stream.push(raw);
      const result = await stream.finish();
      if (result.accepted !== n) {
        throw new Error(
          `ingest kept ${result.accepted} of ${n}: ${JSON.stringify(result.refused[0])}`,
        );
      }
      done += n;
    }
  } finally {
    pool.close();
  }
  const digest = home.digest();
  home.close();
  const seconds = (performance.now() - started) / 1000;
  return {
    entries: o.entries,
    keys: o.keys,
    devices: o.devices,
    seconds,
    perSecond: Math.round(o.entries / seconds),
    digest,
  };
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
