/**
 * @module moved_notes_bench
 * What the "now at" notes (src/sync/moved_kept.ts) cost a folder that
 * holds many: one round adding one note (`addMovedNotes`), and `folder
 * versions FILE` reading one path's (`movedNotesOf`), in a real home on
 * disk, with 10,000 notes (the cap) of paths `PATHLEN` characters long:
 *
 *   deno run -A bench/moved_notes_bench.ts [--notes 10000] [--path-length 60] [--runs 30]
 *
 * Uses only what both the one-record store and the row-per-note store
 * offer, so the same file measures either tree. Prints one JSON line:
 * median and min (ms) of each, the database's size, the load average.
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { newDeviceRecord } from "../src/log/device_record.ts";
import { generateDeviceKeys } from "../src/log/identity.ts";
import { createHome } from "../src/storage/home_create.ts";
import { Home } from "../src/storage/home_handle.ts";
import { addMovedNotes, movedNotesOf } from "../src/sync/moved_kept.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    notes: { type: "string", default: "10000" },
    "path-length": { type: "string", default: "60" },
    runs: { type: "string", default: "30" },
  },
});
const notes = Number(args.values.notes), pathLength = Number(args.values["path-length"]);
const runs = Number(args.values.runs);

const root = await Deno.makeTempDir({ prefix: "mycel-moved-bench-" });
try {
  const keys = await generateDeviceKeys();
  await createHome(root, {
    keys,
    mesh: "benchmesh",
    now: Date.now,
    env: () => undefined,
    keyStore: "file",
    genesis: (key) => [{ type: "device.add", device: newDeviceRecord(key, keys, "bench") }],
  });
  const home = await Home.open(root, { write: true, env: () => undefined });
  home.useKeys(keys);
  const now = Date.now();
  const path = (i: number) => {
    const name = `/file-${String(i).padStart(6, "0")}.txt`;
    return "d".repeat(Math.max(1, pathLength - name.length)) + name;
  };
  const note = (i: number) => ({
    path: path(i),
    kept: now,
    size: 100,
    key: "k".repeat(64),
    at: `x${path(i)}`,
  });
  await home.write((w) =>
    w.folderLocal.putFolder({ folder: "docs", root: join(root, "docs"), added: now, info: {} })
  );
  await addMovedNotes(home, "docs", Array.from({ length: notes }, (_, i) => note(i)));
  const add: number[] = [], read: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t = performance.now();
    await addMovedNotes(home, "docs", [note(notes + r)]);
    add.push(performance.now() - t);
    t = performance.now();
    const found = movedNotesOf(home, "docs", path(notes + r));
    read.push(performance.now() - t);
    if (found.length !== 1) throw new Error(`note ${r} not found`);
  }
  home.close();
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: +s[s.length >> 1].toFixed(2), min: +s[0].toFixed(2) };
  };
  const size = [...Deno.readDirSync(root)].filter((e) => e.name.startsWith("mycel.db"))
    .reduce((n, e) => n + Deno.statSync(join(root, e.name)).size, 0);
  console.log(JSON.stringify({
    notes,
    pathLength,
    runs,
    addOneMs: stat(add),
    readOnePathMs: stat(read),
    dbBytes: size,
    load: Deno.loadavg(),
  }));
} finally {
  await Deno.remove(root, { recursive: true });
}
