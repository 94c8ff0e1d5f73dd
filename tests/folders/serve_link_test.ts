/**
 * What `sync serve` reads for a member's want (src/sync/file_serve.ts):
 * only regular files of the folder, never through a folder on the way that
 * was made a link after the scan (to a place outside the folder), nor a
 * link at the file's name, nor a special file; an asked id gets `none`
 * from such a place, and a file of the folder still as indexed is served.
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

Deno.test("sync serve reads nothing through a folder made a link, a link or a FIFO at a file's name: none, while the rest is served", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs, "docs", { seed: (ra) => put(ra, "other.txt", "other\n") });
  await syncOk(b);
  const texts = { dir: "in a folder made a link\n", link: "at a name made a link\n" };
  await put(ra, "sub/f.txt", texts.dir);
  await put(ra, "g.txt", texts.link);
  await put(ra, "h.txt", "at a name made a FIFO\n");
  await syncOk(a);
  await syncOk(b); // a hears that b joined
  for (const d of [a, b]) await d.stopServer();
  // Each moved out of the folder, the same file (inode, size, time) where a link leads.
  const out = a.tmp.path("outside");
  await Deno.mkdir(out);
  await Deno.rename(join(ra, "sub"), join(out, "sub"));
  await Deno.symlink(join(out, "sub"), join(ra, "sub"));
  await Deno.rename(join(ra, "g.txt"), join(out, "g.txt"));
  await Deno.symlink(join(out, "g.txt"), join(ra, "g.txt"));
  await Deno.remove(join(ra, "h.txt"));
  await new Deno.Command("mkfifo", { args: [join(ra, "h.txt")] }).output();
  const blake3 = await loadBlake3();
  const id = (s: string) => Uint8Array.fromHex(blake3(new TextEncoder().encode(s)));

  const home = await Home.open(a.home, { write: true });
  const [asker, server] = await channelPair();
  try {
    const served = serveFilePhase(home, server, DeviceKey.fromId(b.id), 20_000);
    const asked = [texts.dir, texts.link, "at a name made a FIFO\n", "other\n"];
    await asker.send(encodeChunkMessage({ type: "want", folder: "docs", ids: asked.map(id) }));
    const answers: string[] = [];
    for (let i = 0; i < asked.length; i++) {
      answers.push(decodeChunkMessage((await asker.receive(20_000))!).type);
    }
    assert.deepEqual(answers, ["none", "none", "none", "piece"]);
    await asker.send(encodeChunkMessage({ type: "bye" }));
    const result = await served;
    assert.equal(result.missing, 3);
  } finally {
    asker.close();
    server.close();
    home.close();
  }
});
