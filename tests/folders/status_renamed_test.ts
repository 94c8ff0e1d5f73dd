/**
 * `folder status` counts as "behind" only the bytes still to fetch: files
 * renamed (or copied) on another device, whose content this device holds
 * already under the old name, are placed from its own files and cost no
 * bytes (they showed "behind by 4 files and 3.0 MiB" before), on its own
 * line and on the line another device shows for it. Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Device, devices, put, rounds, sharedFolder, syncOk, text } from "./_helpers.ts";

interface Standing {
  name: string;
  state: string;
  behind_files: number;
  behind_bytes: number;
}

async function standing(d: Device, who: Device): Promise<Standing> {
  const [s] = await d.tmp.json<{ devices: Standing[] }[]>(["folder", "status", "docs", "--json"]);
  return s.devices.find((x) => x.name === who.name)!;
}

Deno.test("folder status counts no bytes behind for files renamed elsewhere whose content is here", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  // A large file (a manifest chunk list) and a small one (inline).
  const big = new Uint8Array(3 << 20);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  await put(ra, "big.bin", big);
  await put(ra, "small.txt", "small\n");
  await rounds([a, b], 2);
  assert.equal(await text(rb, "small.txt"), "small\n");

  await Deno.rename(join(ra, "big.bin"), join(ra, "big-renamed.bin"));
  await Deno.rename(join(ra, "small.txt"), join(ra, "small-renamed.txt"));
  await a.ok(["folder", "scan", "docs"]);
  // a's view of b before b's report: four paths to change, nothing to fetch.
  const seenByA = await standing(a, b);
  assert.deepEqual([seenByA.behind_files, seenByA.behind_bytes], [4, 0], JSON.stringify(seenByA));

  await syncOk(a); // b now knows of the renames, before its own round
  const self = await standing(b, b);
  assert.deepEqual([self.state, self.behind_files, self.behind_bytes], ["behind", 4, 0]);
  const r = await b.ok(["folder", "status", "docs"]);
  assert.match(r.stdout, /: behind by 4 files and 0 B \(last scan [^)]+\)$/m, r.stdout);

  // A file whose content is new still counts in full.
  await put(ra, "new.txt", "new content\n");
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);
  const more = await standing(b, b);
  assert.deepEqual([more.behind_files, more.behind_bytes], [5, 12], JSON.stringify(more));

  await syncOk(b);
  assert.deepEqual(await Deno.readFile(join(rb, "big-renamed.bin")), big);
  assert.deepEqual([(await standing(b, b)).behind_files], [0]);
});

Deno.test("folder status counts the bytes of a copy made elsewhere when the file here holding that content changed since its scan", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  // One of each chunk list: 1 MiB (inline), 3 MiB (a manifest).
  const files = new Map([["mid.bin", 1 << 20], ["big.bin", 3 << 20]].map(([name, size]) => {
    const bytes = new Uint8Array(size as number);
    for (let i = 0; i < bytes.length; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, i + 65536));
    }
    return [name as string, bytes];
  }));
  for (const [name, bytes] of files) await put(ra, name, bytes);
  await rounds([a, b], 2);
  for (const [name, bytes] of files) assert.deepEqual(await Deno.readFile(join(rb, name)), bytes);

  // b's user overwrites both (the same sizes, not scanned yet): their index
  // rows still name the old contents, which b now holds nowhere.
  for (const [name, bytes] of files) {
    await Deno.writeFile(join(rb, name), new Uint8Array(bytes.length).fill(9));
    await Deno.copyFile(join(ra, name), join(ra, `copy-${name}`));
  }
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);
  const self = await standing(b, b);
  assert.deepEqual([self.behind_files, self.behind_bytes], [2, 4 << 20], JSON.stringify(self));

  await syncOk(b); // its round fetches them: they really were to fetch
  for (const [name, bytes] of files) {
    assert.deepEqual(await Deno.readFile(join(rb, `copy-${name}`)), bytes);
  }
});
