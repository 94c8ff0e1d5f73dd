/**
 * A folder's file swapped for a FIFO between the serving side's look and
 * its open (src/sync/file_serve.ts, src/open_no_follow.ts): the open does
 * not wait on it. Before, a plain synchronous open waited for a writer that
 * never came, and with it the whole `sync serve` process (every session).
 * Another process swaps the file's name between the file itself (a hard
 * link of it, so the look finds the size, time and inode the index has) and
 * a FIFO as fast as it can while the test asks for the file's chunk again
 * and again; at the end it opens the FIFO to write without waiting, which
 * succeeds only when a reader is stuck in its open (and frees it).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadBlake3 } from "../../src/files/chunk_hash.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeChunkMessage, encodeChunkMessage } from "../../src/protocol/chunk_messages.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { serveFilePhase } from "../../src/sync/file_serve.ts";
import { channelPair } from "../transport/helpers.ts";
import { devices, put, sharedFolder, syncOk } from "./_helpers.ts";

/** Swaps `name` between `file` and `fifo` (hard links, same folder) for `ms`, then frees a stuck reader. */
const SWAPPER = `
import fs from "node:fs";
const [name, file, fifo, ms] = Deno.args;
const end = Date.now() + Number(ms);
// A rename onto another link of the same inode leaves the old name: it goes first.
const put = (from, tmp) => {
  try { fs.unlinkSync(tmp); } catch { /* none */ }
  fs.linkSync(from, tmp);
  fs.renameSync(tmp, name);
};
let swaps = 0;
while (Date.now() < end) {
  put(fifo, name + ".b");
  put(file, name + ".a");
  swaps++;
}
for (const tmp of [name + ".a", name + ".b"]) try { fs.unlinkSync(tmp); } catch { /* gone */ }
let stuck = 0;
try {
  fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  stuck = 1;
} catch { /* ENXIO: no reader waits on it */ }
console.log(JSON.stringify({ swaps, stuck }));
`;

Deno.test("a folder's file swapped for a FIFO before the serving side opens it does not stall it", async () => {
  if (Deno.build.os !== "linux") {
    console.log("skipped: O_NOFOLLOW|O_NONBLOCK opens are Linux's");
    return;
  }
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs, "docs", { seed: (ra) => put(ra, "other.txt", "other\n") });
  await syncOk(b);
  await put(ra, "f.txt", "the file the FIFO stands in for\n");
  await syncOk(a);
  await syncOk(b); // a hears that b joined
  for (const d of [a, b]) await d.stopServer();
  const keep = a.tmp.path("keep");
  await Deno.mkdir(keep);
  await Deno.link(join(ra, "f.txt"), join(keep, "file"));
  await new Deno.Command("mkfifo", { args: [join(keep, "fifo")] }).output();
  const blake3 = await loadBlake3();
  const id = (s: string) => Uint8Array.fromHex(blake3(new TextEncoder().encode(s)));
  const ids = [id("the file the FIFO stands in for\n"), id("other\n")];

  const home = await Home.open(a.home, { write: true });
  const [asker, server] = await channelPair();
  const swapper = new Deno.Command(Deno.execPath(), {
    args: ["eval", SWAPPER, join(ra, "f.txt"), join(keep, "file"), join(keep, "fifo"), "3000"],
    stdout: "piped",
  }).spawn();
  try {
    const served = serveFilePhase(home, server, DeviceKey.fromId(b.id), 20_000);
    const done = swapper.output();
    // By the clock: the in-memory channel's loop never lets the child's exit be seen.
    const end = Date.now() + 2500;
    let asks = 0;
    while (Date.now() < end) {
      // other.txt between: each ask of f.txt opens it anew.
      await asker.send(encodeChunkMessage({ type: "want", folder: "docs", ids }));
      for (let i = 0; i < ids.length; i++) decodeChunkMessage((await asker.receive(20_000))!);
      asks++;
    }
    const out = JSON.parse(new TextDecoder().decode((await done).stdout));
    await asker.send(encodeChunkMessage({ type: "bye" }));
    await served;
    assert.equal(
      out.stuck,
      0,
      `the serving side waited in an open of the FIFO (${asks} asks, ${out.swaps} swaps)`,
    );
    console.log(`${asks} asks, ${out.swaps} swaps`);
    assert.ok(out.swaps > 100 && asks > 100, `${out.swaps} swaps, ${asks} asks`);
  } finally {
    try {
      swapper.kill();
    } catch { /* exited */ }
    asker.close();
    server.close();
    home.close();
  }
});
