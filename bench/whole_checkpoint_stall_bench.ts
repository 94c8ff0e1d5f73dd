/**
 * @module whole_checkpoint_stall_bench
 * The longest the event loop stands still while a whole checkpoint of a
 * large state is made (what a `sync serve --listen` answers nobody for): in
 * one piece inside the write queue (`Home.checkpoint()`, what a sync session
 * made for a peer without parts before) and a step at a time from a snapshot
 * of its own (`Home.wholeCheckpoint()`, storage/whole_checkpoint.ts, what it
 * makes now). A 1 ms interval timer runs beside it; the longest gap between
 * its ticks is the stall. Prints one JSON line per run: wall s, longest
 * stall ms, ticks, checkpoint bytes, whether both ways gave the same bytes,
 * the load average.
 *
 *   deno run -A bench/make_home.ts --entries 200000 --keys 200000 --out /tmp/h
 *   (then tests/sync/_parts_behind.ts state(root, 1000, 4000): 10,000 preferences of 4 kB)
 *   deno run -A bench/whole_checkpoint_stall_bench.ts --home /tmp/h [--runs 3]
 */

import { parseArgs } from "node:util";
import { Home } from "../src/storage/home_handle.ts";

const { values } = parseArgs({
  options: { home: { type: "string" }, runs: { type: "string", default: "3" } },
});
if (values.home === undefined) throw new Error("--home DIR is required");

async function timed(make: () => Promise<Uint8Array>) {
  let last = performance.now(), longest = 0, ticks = 0;
  const id = setInterval(() => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    ticks++;
  }, 1);
  const start = performance.now();
  const bytes = await make();
  const wall = performance.now() - start;
  clearInterval(id);
  longest = Math.max(longest, performance.now() - last);
  return { wall, longest, ticks, bytes };
}

// One clock for both, so the two checkpoints say the same time.
using home = await Home.open(values.home, { write: true, now: () => 1_800_000_000_000 });
for (let i = 0; i < Number(values.runs); i++) {
  const one = await timed(() => home.checkpoint());
  const step = await timed(() => home.wholeCheckpoint());
  const same = one.bytes.length === step.bytes.length &&
    one.bytes.every((b, j) => b === step.bytes[j]);
  for (const [how, r] of [["one piece", one], ["stepwise", step]] as const) {
    console.log(JSON.stringify({
      how,
      wall_s: Number((r.wall / 1000).toFixed(3)),
      longest_stall_ms: Math.round(r.longest),
      ticks: r.ticks,
      bytes: r.bytes.length,
      same_bytes: same,
      load: Deno.loadavg(),
    }));
  }
}
