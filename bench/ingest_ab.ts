/**
 * @module ingest_ab
 * Ingest throughput of this tree against another checkout of mycel (say
 * main before an optimisation), side by side in one process on the same
 * signed entries: each round copies the same starting home and ingests the
 * same entries with one tree's `Home.ingestStream` (1,024 per push, in the
 * order a sender sends them), alternating which tree goes first. Prints
 * medians of wall time and of CPU time, their ratio, and checks that both
 * trees end at the same state digest.
 *
 *     git archive 7aecd8a | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/
 *     deno run -A bench/ingest_ab.ts --base /tmp/base [--entries 100000] [--rounds 5] [--on-top 100000]
 *
 * `--on-top N` first stores N entries in the starting home (as
 * bench/replication_bench.ts does: a delta on top of a history).
 *
 * (`deno bench` ignores this file.)
 */

import process from "node:process";
import { parseArgs } from "node:util";
import type { DeviceKey } from "../src/log/device_key.ts";
import { decodeSignedEntry } from "../src/log/entry.ts";
import { interleave } from "../src/protocol/sync_plan.ts";
import { copyHome, fmt, machine, median } from "./bench_helpers.ts";
import { Home } from "../src/storage/home_handle.ts";
import { appendEntries, createBenchMesh, signedBatches } from "./make_home.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string" },
    entries: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
    "on-top": { type: "string", default: "0" },
  },
});
if (!values.base) {
  console.error("usage: ingest_ab.ts --base DIR [--entries N] [--rounds R]");
  Deno.exit(2);
}
const N = Number(values.entries);
const ROUNDS = Number(values.rounds);
const ON_TOP = Number(values["on-top"]);

interface IngestingHome {
  ingestStream(): {
    push(raw: readonly Uint8Array[]): Promise<void>;
    finish(): Promise<{ accepted: number }>;
  };
  digest(): string;
  close(): void;
}
type HomeModule = {
  Home: { open(root: string, o: { write: boolean }): Promise<IngestingHome> };
};

const trees: Record<string, HomeModule> = {
  base: await import(`${values.base.replace(/\/$/, "")}/src/storage/home_handle.ts`),
  this: await import("../src/storage/home_handle.ts"),
};

const work = await Deno.makeTempDir({ prefix: "mycel-ingest-ab-" });
try {
  const mesh = await createBenchMesh(`${work}/start`, 3);
  if (ON_TOP > 0) {
    const home = await Home.open(`${work}/start`, { write: true });
    await appendEntries(mesh, home, ON_TOP, 1000);
    home.close();
  }
  const byAuthor = new Map<DeviceKey, Uint8Array[]>();
  for await (const batch of signedBatches(mesh, N, 1000)) {
    for (const raw of batch) {
      const author = decodeSignedEntry(raw).entry.author;
      let list = byAuthor.get(author);
      if (list === undefined) byAuthor.set(author, list = []);
      list.push(raw);
    }
  }
  const raws: Uint8Array[] = [];
  const ranges = [...byAuthor].map(([author, list]) => ({ author, after: 0, upTo: list.length }));
  for (const r of interleave(ranges)) raws.push(...byAuthor.get(r.author)!.slice(r.after, r.upTo));

  const wall: Record<string, number[]> = { base: [], this: [] };
  const cpu: Record<string, number[]> = { base: [], this: [] };
  const digests = new Set<string>();
  console.log(`before: ${machine()}`);
  for (let round = 0; round < ROUNDS; round++) {
    for (const tree of round % 2 ? ["this", "base"] : ["base", "this"]) {
      const to = `${work}/${tree}-${round}`;
      await copyHome(`${work}/start`, to);
      const home = await trees[tree].Home.open(to, { write: true });
      const t0 = performance.now(), c0 = process.cpuUsage();
      const stream = home.ingestStream();
      for (let i = 0; i < raws.length; i += 1024) await stream.push(raws.slice(i, i + 1024));
      const result = await stream.finish();
      const c = process.cpuUsage(c0);
      wall[tree].push((performance.now() - t0) / 1000);
      cpu[tree].push((c.user + c.system) / 1e6);
      if (result.accepted !== N) throw new Error(`${tree} accepted ${result.accepted} of ${N}`);
      digests.add(home.digest());
      home.close();
      await Deno.remove(to, { recursive: true });
    }
  }
  console.log(`after: ${machine()}`);
  if (digests.size !== 1) throw new Error("the two trees end at different states");
  for (const tree of ["base", "this"]) {
    console.log(
      `${tree.padEnd(4)}: wall median ${median(wall[tree]).toFixed(2)} s (${
        fmt(N / median(wall[tree]))
      } entries/s; runs ${wall[tree].map((x) => x.toFixed(2)).join(", ")}), CPU median ${
        median(cpu[tree]).toFixed(2)
      } s (${fmt(N / median(cpu[tree]))} entries per CPU second)`,
    );
  }
  console.log(
    `this / base: wall ${(median(wall.this) / median(wall.base)).toFixed(2)}, CPU ${
      (median(cpu.this) / median(cpu.base)).toFixed(2)
    }; same state digest in every run`,
  );
} finally {
  await Deno.remove(work, { recursive: true });
}
