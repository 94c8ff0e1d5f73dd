/**
 * @module assemble_child
 * Child process for the torn-write test: assembles ROOT/PATH from the
 * deterministic content `pseudoRandomBytes(SIZE, SEED)`, slowly (a pause
 * every few chunks) so the parent can SIGKILL it mid-write. Prints
 * "started" when it begins writing and "done MS" when the rename is done.
 * With `held`, it stops for good once the old file is moved aside and
 * prints "held" (the parent kills it inside the swap).
 *
 *     deno run -A tests/files/assemble_child.ts ROOT PATH SIZE SEED [held]
 */

import { assembleFile } from "../../src/files/assemble.ts";
import { chunkBytes } from "../../src/files/content_chunker.ts";
import { pseudoRandomBytes, TEST_PARAMS, TEST_SEED } from "./helpers.ts";

const [root, path, sizeText, seedText, pause] = Deno.args;
const data = pseudoRandomBytes(Number(sizeText), Number(seedText));
const chunks = await chunkBytes(data, TEST_PARAMS, TEST_SEED);
const where = new Map<string, [number, number]>();
let at = 0;
for (const c of chunks) {
  where.set(c.hash, [at, at + c.length]);
  at += c.length;
}
const current = await Deno.lstat(`${root}/${path}`);
let served = 0;
const source = {
  async get(hash: string) {
    if (served++ % 8 === 0) await new Promise((r) => setTimeout(r, 1));
    const [from, to] = where.get(hash)!;
    return data.subarray(from, to);
  },
};
const t0 = performance.now();
console.log("started");
const r = await assembleFile(root, path, chunks, source, {
  expected: { size: current.size, mtimeMs: current.mtime!.getTime(), ino: current.ino! },
  mtimeMs: Date.UTC(2026, 0, 1),
  exec: false,
  beforeReplace: async (step) => {
    if (step !== "held" || pause !== "held") return;
    console.log("held");
    await new Promise(() => setInterval(() => {}, 1000));
  },
});
console.log(`done ${Math.round(performance.now() - t0)} ${r.status}`);
