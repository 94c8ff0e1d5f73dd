/**
 * @module cpuprofile_top
 * Sums a V8 `.cpuprofile` (deno's `--cpu-prof`): the main thread's samples
 * by function (self time), by source file, and the totals of V8's own
 * pseudo-nodes — "(idle)" (the thread waiting in its event loop),
 * "(program)" (native code outside JavaScript: the runtime's ops, the
 * kernel calls they make), "(garbage collector)". Shares are of the
 * profile's wall time, so what is not JavaScript shows as such.
 *
 *     deno run -A bench/cpuprofile_top.ts FILE.cpuprofile [N]
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, nArg] = Deno.args;
const top = Number(nArg ?? 25);
const p: Profile = JSON.parse(await Deno.readTextFile(file));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
// A sample's time is the delta to the next one (V8's own convention).
for (let i = 0; i < p.samples.length; i++) {
  const dt = p.timeDeltas[i + 1] ?? 0;
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
}
const wall = p.endTime - p.startTime;
const byFn = new Map<string, number>(), byFile = new Map<string, number>();
for (const [id, us] of self) {
  const f = byId.get(id)!.callFrame;
  const file = f.url ? f.url.replace(/^.*\/(src|node_modules|ext)\//, "$1/") : f.functionName;
  const name = `${f.functionName || "(anonymous)"} ${f.url ? `${file}:${f.lineNumber + 1}` : ""}`;
  byFn.set(name, (byFn.get(name) ?? 0) + us);
  byFile.set(file, (byFile.get(file) ?? 0) + us);
}
const pct = (us: number) => `${(us / wall * 100).toFixed(1).padStart(5)} %`;
const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`${file}: ${(wall / 1e6).toFixed(2)} s wall, ${p.samples.length} samples`);
console.log("-- by function (self)");
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(v)} ${pct(v)}  ${k}`);
}
console.log("-- by file (self)");
for (const [k, v] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${ms(v)} ${pct(v)}  ${k}`);
}
