/**
 * The fold's view of paths' versions (src/log/folder_held.ts) is bounded:
 * past its limit of device names (each path counting PATH_COST more, for
 * its map and key) the least recently folded paths go, never the one being
 * folded (the fold compares with it and writes through it).
 */

import assert from "node:assert/strict";
import { HeldCache, PATH_COST } from "../../src/log/folder_held.ts";

Deno.test("the held-versions cache keeps at most its limit of device names, dropping the least recently folded paths but never the one being folded", () => {
  const P = PATH_COST;
  const cache = new HeldCache(2 * P + 10);
  const row = (path: string, i: number) => ({
    id: `${path}${i}`,
    author: "aa",
    seq: i,
    bytes: new Uint8Array(),
  });
  const vv = new Map([["d", 1]]); // two names a row
  const load = (path: string, n: number) => () => Array.from({ length: n }, (_, i) => row(path, i));
  const vectors = (rows: readonly unknown[]) => rows.map(() => vv);
  cache.get("f", "a", load("a", 2), vectors);
  cache.get("f", "b", load("b", 2), vectors);
  assert.equal(cache.names, 2 * P + 8);
  cache.get("f", "a", load("a", 2), vectors); // a is now the most recent
  const c = cache.get("f", "c", load("c", 1), vectors); // over: b, the least recent, goes
  assert.equal(cache.size, 2);
  assert.equal(cache.names, 2 * P + 6);
  for (let i = 1; i < 9; i++) cache.put("f", "c", row("c", i), vv); // c alone is over
  assert.equal(cache.size, 1);
  assert.equal(cache.names, P + 18);
  assert.equal(c.size, 9, "the path being folded stays, live");
  cache.remove("f", "c", "c0");
  assert.equal(c.size, 8);
  assert.equal(cache.names, P + 16);
  // A path not cached is read again, whatever was put into it meanwhile.
  cache.put("f", "b", row("b", 5), vv);
  assert.equal(cache.get("f", "b", load("b", 2), vectors).size, 2);
  cache.clear();
  assert.equal(cache.names, 0);
});

Deno.test("many new one-version paths are bounded by their count, not only by their rows", () => {
  const cache = new HeldCache();
  const vv = new Map([["d", 1]]);
  for (let i = 0; i < 100_000; i++) {
    const id = `p${i}`;
    cache.get(
      "f",
      id,
      () => [{ id, author: "aa", seq: i, bytes: new Uint8Array() }],
      (rows) => rows.map(() => vv),
    );
  }
  // Each path counts PATH_COST + 2: about 26,000 such paths at the default limit, not 131,072.
  assert.ok(cache.size <= Math.ceil((1 << 18) / (PATH_COST + 2)), `${cache.size} paths kept`);
});
