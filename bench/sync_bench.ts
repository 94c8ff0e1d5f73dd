/**
 * @module sync_bench
 * Sync between real mycel processes on 127.0.0.1, measured on the wire: a
 * counting TCP proxy sits in front of the answering `mycel sync serve
 * --listen` (the peer's advertised endpoint is the proxy), so every byte of
 * a session — Noise handshake, `hi` and heads, frames, tags, the entries or
 * checkpoint, `end`, `ack` — is counted in each direction.
 *
 * 1. Deltas: A holds k entries B lacks (k = 1 … 10,000, each batch writing k
 *    distinct config keys, so A's state stays big enough that entries, not a
 *    checkpoint, are what it sends); `mycel sync now` on A pushes them.
 *    Reported: bytes A→B against the encoded size of those entries (their
 *    stored form). Target: ≤ 1.1 × size + 1 KiB.
 * 2. A fresh device syncing with a device holding N entries over 1,000 keys
 *    (default 100,000): the sender sends a signed checkpoint (O(state)), not
 *    the history. Reported: wall time of the process, bytes both ways; then
 *    on those homes a round with nothing new and a round moving one entry.
 *
 * Entries are made in-process (`appendBulk` from tests/sync/_helpers.ts:
 * `Home.write` + `commit`, one transaction per batch) — each sets one config
 * key to a ~100-character string, about 270 bytes encoded.
 *
 *     deno run -A bench/sync_bench.ts            # everything
 *     deno run -A bench/sync_bench.ts --quick    # 10k instead of 100k
 *
 * (`deno bench` ignores this file: it measures whole processes.)
 */

import { CountingProxy, encodedSize, machine } from "./bench_helpers.ts";
import { appendBulk, type Device, devices, freePort, sleep } from "../tests/sync/_helpers.ts";

const KiB = 1024;

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
      await appendBulk(a.home, k, { keys: k, prefix: `d${k}` });
      const size = await encodedSize(a.home, before);
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
  console.log(`\n## A fresh device syncs with a device holding ${fmt(n)} entries\n`);
  const pair = await proxiedPair(["fresh", "big"]);
  try {
    const { a: fresh, b: big, proxy } = pair;
    const t0 = performance.now();
    await appendBulk(big.home, n, { keys: 1000, batch: 5000 });
    const buildMs = performance.now() - t0;
    const size = await encodedSize(big.home, 0);
    await sleep(200);
    const first = await timedSync(fresh);
    const f = await proxy.last();
    const got = await headSeq(fresh, big.id);
    if (got < n) throw new Error(`fresh is at ${got} of ${n}`);
    console.log(
      `built in-process in ${(buildMs / 1000).toFixed(1)} s; encoded size of the log ${
        fmt(size)
      } bytes; ${machine()}`,
    );
    console.log(`| measure | value |`);
    console.log(`| --- | --: |`);
    console.log(`| \`sync now\` wall time (process) | ${(first.ms / 1000).toFixed(2)} s |`);
    console.log(
      `| checkpoint received | ${first.outcome.checkpoint.received}; entries received ${
        fmt(first.outcome.received)
      } |`,
    );
    console.log(
      `| bytes big→fresh | ${fmt(f.down)} (${(f.down / size).toFixed(4)} × the log's size) |`,
    );
    console.log(`| bytes fresh→big | ${fmt(f.up)} |`);
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
  console.log(machine());
  await deltas();
  await initial(quick ? 10_000 : 100_000);
}
