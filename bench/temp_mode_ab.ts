/**
 * @module temp_mode_ab
 * Per-file cost of giving a fetched temporary file its mode: a chmod by name
 * (before de3bed3) against setTempMode (src/files/temp_mode.ts: open without
 * following links, two fstat, fchmod, close) on a file made 0600, and
 * setTempMode on a file made with its final mode (a new path's, since the
 * fetch makes it so: one fstat and one lstat). 5,000 files of 2 KiB per run,
 * created, written, given 0644 and closed; runs alternate; prints each side's
 * whole loop and its mode step alone (docs/benchmarks.md).
 *
 *     deno run -A bench/temp_mode_ab.ts
 */
import { setTempMode } from "../src/files/temp_mode.ts";
const N = 5000, RUNS = 8;
const data = new Uint8Array(2048);
const res: Record<string, { loop: number[]; step: number[] }> = {
  byName: { loop: [], step: [] },
  temp_mode: { loop: [], step: [] },
  made_0644: { loop: [], step: [] },
};
const KINDS = Object.keys(res);
for (let r = 0; r < RUNS * KINDS.length; r++) {
  const kind = KINDS[r % KINDS.length];
  const dir = await Deno.makeTempDir({ prefix: "mycel-temp-mode-ab-" });
  let step = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const p = `${dir}/.mycel-tmp-${i}`;
    const mode = kind === "made_0644" ? 0o644 : 0o600;
    const f = await Deno.open(p, { write: true, createNew: true, mode });
    await f.write(data);
    const s = performance.now();
    if (kind === "byName") Deno.chmodSync(p, 0o644);
    else await setTempMode(f, p, 0o644);
    step += performance.now() - s;
    f.close();
  }
  res[kind].loop.push(performance.now() - t0);
  res[kind].step.push(step);
  await Deno.remove(dir, { recursive: true });
}
const med = (a: number[]) => a.toSorted((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [k, v] of Object.entries(res)) {
  console.log(
    `${k}: loop ms ${v.loop.map(Math.round).join(" ")} (median ${Math.round(med(v.loop))}); ` +
      `mode step ms ${v.step.map(Math.round).join(" ")} (median ${Math.round(med(v.step))}, ` +
      `${(med(v.step) * 1000 / N).toFixed(1)} us/file)`,
  );
}
