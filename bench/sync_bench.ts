/**
 * @module sync_bench
 * Sync between real mycel processes on 127.0.0.1, measured on the wire: a
 * counting TCP proxy sits in front of the answering `mycel sync serve
 * --listen` (the peer's advertised endpoint is the proxy), so every byte of
 * a session — Noise handshake with the hellos, frames, tags, the entries,
 * `done` — is counted in each direction.
 *
 * 1. Deltas: A holds k entries B lacks (k = 1 … 10,000); `mycel sync now` on
 *    A pushes them. Reported: bytes A→B against the encoded size of those
 *    entries (their wire form, as stored). Target: ≤ 1.1 × size + 1 KiB.
 * 2. Initial sync of 100,000 entries: a fresh device runs `sync now` against
 *    a device holding 100k entries. Reported: wall time of the process,
 *    bytes, the encoded size, entries per second. Then, on those homes: a
 *    round with nothing new, and a round moving one new entry.
 *
 * Entries are made in-process (`createEntry` + `Store.appendVerified` in
 * batches: one fsync per batch rather than per entry) — each sets one of
 * 1,000 config keys to a ~100-character string, about 240 bytes encoded.
 *
 *     deno run -A bench/sync_bench.ts            # everything (~1 min)
 *     deno run -A bench/sync_bench.ts --quick    # 10k instead of 100k
 *
 * (`deno bench` ignores this file: it measures whole processes.)
 */

import { Store } from "../src/storage/store.ts";
import { appendBulk, type Device, devices, freePort, sleep } from "../tests/sync/_helpers.ts";

const KiB = 1024;

/** One proxied connection's byte counts. */
interface Flow {
  up: number; // client → server
  down: number; // server → client
  done: Promise<void>;
}

/** A TCP proxy 127.0.0.1:listenPort → 127.0.0.1:targetPort that counts bytes. */
class CountingProxy {
  readonly flows: Flow[] = [];
  readonly #listener: Deno.TcpListener;
  readonly #accepting: Promise<void>;

  constructor(listenPort: number, targetPort: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: listenPort });
    this.#listener = listener;
    this.#accepting = (async () => {
      for await (const client of listener) {
        const flow: Flow = { up: 0, down: 0, done: Promise.resolve() };
        this.flows.push(flow);
        flow.done = (async () => {
          const server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
          await Promise.all([
            this.#pipe(client, server, (n) => flow.up += n),
            this.#pipe(server, client, (n) => flow.down += n),
          ]);
          client.close();
          server.close();
        })();
      }
    })().catch(() => {});
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn, count: (n: number) => void) {
    const buf = new Uint8Array(64 * KiB);
    try {
      for (let n = await from.read(buf); n !== null; n = await from.read(buf)) {
        count(n);
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // one side reset: the session is over
    }
    try {
      await to.closeWrite();
    } catch {
      // already closed
    }
  }

  /** The last connection's counts, once it has closed both ways. */
  async last(): Promise<Flow> {
    const f = this.flows.at(-1)!;
    await f.done;
    return f;
  }

  async close() {
    this.#listener.close();
    await this.#accepting;
    await Promise.all(this.flows.map((f) => f.done));
  }
}

/** Encoded size (bytes of the wire form) of `author`'s entries after `afterSeq` in `home`. */
async function encodedSize(home: string, author: string, afterSeq: number): Promise<number> {
  const store = await Store.open(home, { write: false });
  const entries = await store.entriesAfter(author, afterSeq);
  return entries.reduce((n, e) => n + e.bytes.length, 0);
}

async function headSeq(d: Device, author = d.id): Promise<number> {
  return (await d.status()).log.heads[author]?.seq ?? 0;
}

/** Run `sync now` on `d`, timed; throws unless it synced. */
async function timedSync(d: Device) {
  const t0 = performance.now();
  const r = await d.syncNow([], 600);
  const ms = performance.now() - t0;
  if (r.result.code !== 0) throw new Error(`sync now failed: ${r.result.stdout}${r.result.stderr}`);
  return { ms, outcome: r.outcomes[0] };
}

/** Peer `a` and `b`, `b` answering behind a counting proxy on its advertised port. */
async function proxiedPair(names: [string, string]) {
  const devs = await devices(names);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  // b advertises b.port (the proxy); its server listens on another port.
  const serverPort = freePort();
  const server = b.tmp.spawn(
    ["sync", "serve", "--listen", `127.0.0.1:${serverPort}`, "--timeout", "600"],
    { timeoutMs: 0 },
  );
  await server.waitFor(/listening on/, { stream: "stderr" });
  const proxy = new CountingProxy(b.port, serverPort);
  return {
    devs,
    a,
    b,
    proxy,
    async close() {
      await server.stop("SIGTERM");
      await proxy.close();
      await devs[Symbol.asyncDispose]();
    },
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");

async function deltas() {
  console.log("\n## Deltas: bytes A→B for k new entries (target ≤ 1.1 × size + 1 KiB)\n");
  console.log("| k | encoded size | bytes A→B | bytes B→A | A→B / size | overhead | target met |");
  console.log("| --: | --: | --: | --: | --: | --: | :-: |");
  const pair = await proxiedPair(["delta-a", "delta-b"]);
  try {
    const { a, proxy } = pair;
    await timedSync(a); // exchange the genesis and peering entries first
    await timedSync(a);
    const idle = await proxy.last();
    console.log(`| 0 | 0 | ${fmt(idle.up)} | ${fmt(idle.down)} | – | ${fmt(idle.up)} | – |`);
    for (const k of [1, 10, 100, 1000, 10000]) {
      const before = await headSeq(a);
      await appendBulk(a.home, k, { keys: 1000 });
      const size = await encodedSize(a.home, a.id, before);
      const { outcome } = await timedSync(a);
      if (outcome.sent !== k) throw new Error(`sent ${outcome.sent}, expected ${k}`);
      const f = await proxy.last();
      const ok = f.up <= 1.1 * size + KiB;
      console.log(
        `| ${fmt(k)} | ${fmt(size)} | ${fmt(f.up)} | ${fmt(f.down)} | ${
          (f.up / size).toFixed(3)
        } | ${fmt(f.up - size)} | ${ok ? "yes" : "NO"} |`,
      );
    }
  } finally {
    await pair.close();
  }
}

async function initial(n: number) {
  console.log(`\n## Initial sync of ${fmt(n)} entries\n`);
  const pair = await proxiedPair(["big", "fresh"]);
  try {
    const { a: fresh, b: big, proxy } = pair;
    const t0 = performance.now();
    await appendBulk(big.home, n, { keys: 1000, batch: 5000 });
    const buildMs = performance.now() - t0;
    const size = await encodedSize(big.home, big.id, 0);
    await sleep(200);
    const first = await timedSync(fresh);
    const f = await proxy.last();
    const got = await headSeq(fresh, big.id);
    if (got < n) throw new Error(`fresh holds ${got} of ${n}`);
    console.log(
      `built in-process in ${(buildMs / 1000).toFixed(1)} s; encoded size ${fmt(size)} bytes`,
    );
    console.log(`| measure | value |`);
    console.log(`| --- | --: |`);
    console.log(`| \`sync now\` wall time (process) | ${(first.ms / 1000).toFixed(2)} s |`);
    console.log(`| entries received | ${fmt(first.outcome.received)} |`);
    console.log(
      `| entries per second | ${fmt(Math.round(first.outcome.received / (first.ms / 1000)))} |`,
    );
    console.log(
      `| bytes server→fresh | ${fmt(f.down)} (${(f.down / size).toFixed(3)} × encoded) |`,
    );
    console.log(`| bytes fresh→server | ${fmt(f.up)} |`);
    const idle = await timedSync(fresh);
    const fi = await proxy.last();
    console.log(
      `| then nothing new: wall time | ${idle.ms.toFixed(0)} ms (${fmt(fi.up + fi.down)} bytes) |`,
    );
    await big.write("pref", "set", "one", "more");
    const one = await timedSync(fresh);
    const fo = await proxy.last();
    console.log(
      `| then 1 new entry: wall time | ${one.ms.toFixed(0)} ms (${fmt(fo.up + fo.down)} bytes) |`,
    );
  } finally {
    await pair.close();
  }
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const version = Deno.version.deno;
  console.log(
    `deno ${version}, ${navigator.hardwareConcurrency} cores, ${new Date().toISOString()}`,
  );
  await deltas();
  await initial(quick ? 10_000 : 100_000);
}
