/**
 * @module aborted_cut_bench
 * What a cut of the state into parts for a sync session costs when its
 * session ends right after it began (a member that asks for our state and
 * hangs up): the whole cut before the session's signal reached it, about a
 * part now (storage/parts_spool.ts). Runs the cut of a home made by
 * make_home.ts (`Home.spooledParts`, the session's part size) whole, then
 * with its signal aborted a turn of the event loop after it began, and
 * prints one JSON line per run: wall and CPU seconds (all threads), and what
 * it spooled (parts and bytes for the whole one).
 *
 *   deno run -A bench/make_home.ts --entries 200000 --keys 200000 --out /tmp/h
 *   deno run -A bench/aborted_cut_bench.ts --home /tmp/h [--runs 3]
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { Home } from "../src/storage/home_handle.ts";
import { SESSION_PART_BYTES } from "../src/sync/exchange_send.ts";

const { values } = parseArgs({
  options: { home: { type: "string" }, runs: { type: "string", default: "3" } },
});
if (values.home === undefined) throw new Error("--home DIR is required");

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function run(home: Home, abort: boolean): Promise<Record<string, unknown>> {
  const ctl = new AbortController();
  const wall = performance.now(), cpu = cpuSeconds();
  if (abort) setTimeout(() => ctl.abort(new Error("the peer hung up")), 0);
  let spooled: { parts: number; bytes: number } | string;
  try {
    using spool = await home.spooledParts(SESSION_PART_BYTES, undefined, ctl.signal);
    spooled = { parts: spool.count, bytes: spool.bytes };
  } catch (e) {
    spooled = `stopped: ${(e as Error).message}`;
  }
  return {
    run: abort ? "aborted at once" : "whole",
    wall_s: Number(((performance.now() - wall) / 1000).toFixed(3)),
    cpu_s: Number((cpuSeconds() - cpu).toFixed(3)),
    spooled,
  };
}

using home = await Home.open(values.home, { write: true });
for (let i = 0; i < Number(values.runs); i++) {
  for (const abort of [false, true]) {
    console.log(JSON.stringify({ ...(await run(home, abort)), load: Deno.loadavg() }));
  }
}
