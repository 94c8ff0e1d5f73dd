/**
 * A file written to between its scan and a peer's fetch (a log an app
 * appends to, with real processes; src/sync/file_serve.ts):
 * - appended to since the scan that published it, its chunks are still
 *   where they were, and they are served: the version published arrives
 *   whole on the other device (exit 0), without the bytes added since.
 *   Before, any change to the file made the serving side refuse every chunk
 *   of it until its next scan, which published a version stale by the next
 *   fetch: the round said "a, which made it, no longer has that content",
 *   and a file appended to more often than once a round never arrived;
 * - rewritten in place since its scan, the bytes at a chunk's offset are not
 *   that chunk any more and are not sent for it: the round says a no longer
 *   has that content and waits for the next scan's version, as before.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { describe } from "../helpers/mycel.ts";
import { devices, put, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";

/** Lines of a log, `n` of them from line `from` (about 60 bytes each). */
const lines = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `${from + i} GET /index.html 200 ${"x".repeat(32)}\n`)
    .join("");

Deno.test("a file appended to since its scan is still served: the version published arrives", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "other.txt", "other\n"),
  });
  await syncOk(b);
  const published = lines(0, 20_000); // about 1.2 MiB: several chunks
  await put(ra, "app.log", published);
  await syncOk(a); // scanned and published
  // The app goes on writing before b's round asks for the file.
  await Deno.writeTextFile(join(ra, "app.log"), lines(20_000, 50), { append: true });
  const r = await syncNow(b);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.doesNotMatch(r.stderr, /no longer has/, r.stderr);
  assert.equal(await text(rb, "app.log"), published);
  // a's next round publishes the rest, and b has it too.
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "app.log"), await text(ra, "app.log"));
});

Deno.test("a file rewritten in place since its scan is not served as the version published", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "other.txt", "other\n"),
  });
  await syncOk(b);
  const size = 1 << 20;
  await put(ra, "data.bin", pseudoRandomBytes(size, 1));
  await syncOk(a);
  // The same size, other bytes, the same inode: nothing of the version is left.
  const f = await Deno.open(join(ra, "data.bin"), { write: true });
  await f.write(pseudoRandomBytes(size, 2));
  f.close();
  const r = await syncNow(b);
  assert.match(
    r.stderr,
    /a, which made it, no longer has that content/,
    describe(["sync", "now"], r),
  );
  assert.equal(await text(rb, "data.bin"), undefined);
  await syncOk(a);
  await syncOk(b);
  assert.deepEqual(await Deno.readFile(join(rb, "data.bin")), pseudoRandomBytes(size, 2));
});
