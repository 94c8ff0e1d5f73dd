/**
 * @module cut_budget_shared_bench
 * What one decision of the cut rule costs a `sync serve --stdio` process
 * when the rule's state is shared through a file (src/sync/cut_budget_shared.ts:
 * lock, read, decide, write, on a memory file system): with the state
 * nearly empty, and full (MAX_KEPT devices waiting, refused as made-up
 * devices of as many groups would be). Prints one JSON line per case:
 * median and worst ms per decision, and the file's size.
 *
 *   deno run -A bench/cut_budget_shared_bench.ts [--runs 500] [--dir /dev/shm]
 */

import { parseArgs } from "node:util";
import { SharedCutBudget, STATE_FILE } from "../src/sync/cut_budget_shared.ts";
import { MAX_KEPT } from "../src/sync/cut_transitions.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "500" },
    dir: { type: "string", default: "/dev/shm" },
  },
});
const runs = Number(values.runs);

function refusedOnce(gate: SharedCutBudget<string>, peer: string): number {
  const t = performance.now();
  try {
    gate.take(peer, peer);
  } catch {
    // busy: a cut is under way
  }
  return performance.now() - t;
}

async function run(label: string, fill: number): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: values.dir, prefix: "mycel-cuts-bench-" });
  try {
    const gate = new SharedCutBudget<string>(() => dir, String, console.error);
    const held = gate.take("f".repeat(64), "f".repeat(64)); // every other ask is refused
    for (let i = 0; i < fill; i++) refusedOnce(gate, i.toString(16).padStart(64, "0"));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(refusedOnce(gate, "e".repeat(64)));
    held.done(false);
    times.sort((a, b) => a - b);
    console.log(JSON.stringify({
      case: label,
      runs,
      median_ms: Number(times[times.length >> 1].toFixed(3)),
      max_ms: Number(times[times.length - 1].toFixed(3)),
      file_bytes: Deno.statSync(`${dir}/${STATE_FILE}`).size,
    }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

await run("one device waiting", 0);
await run(`full: ${MAX_KEPT} devices waiting`, 2 * MAX_KEPT);
