/**
 * The responder's file phase serves a folder's chunks only to members that
 * joined that folder: a member that did not join it (or a folder id nobody
 * shares) is told `not_shared` and the phase ends; a member that joined gets
 * the chunk. The homes are real (made by real processes); the phase runs
 * in-process on a SecureChannel over an in-memory pipe, so the request can
 * be anything a hostile member could send.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { loadBlake3 } from "../../src/files/chunk_hash.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeChunkMessage, encodeChunkMessage } from "../../src/protocol/chunk_messages.ts";
import { homePaths } from "../../src/storage/home.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { serveFilePhase } from "../../src/sync/file_serve.ts";
import { channelPair } from "../transport/helpers.ts";
import { devices, folderOf, put, syncOk } from "./_helpers.ts";

/** Ask `home`'s file phase, as `peer`, for chunk `hash` of `folder`; its first answer. */
async function ask(home: Home, peer: DeviceKey, folder: string, hash: string) {
  const [asker, server] = await channelPair();
  const served = serveFilePhase(home, server, peer, 5000);
  await asker.send(encodeChunkMessage({ type: "want", folder, ids: [Uint8Array.fromHex(hash)] }));
  const answer = decodeChunkMessage((await asker.receive(5000))!);
  await asker.send(encodeChunkMessage({ type: "bye" })).catch(() => {});
  const result = await served;
  asker.close();
  server.close();
  return { answer, result };
}

Deno.test("a member that did not join a folder is told not_shared; one that joined gets the chunk", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  for (const other of [b, c]) await devs.peer(a, other);
  for (const d of [a, b, c]) await d.serve();
  const ra = folderOf(a);
  await put(ra, "secret.txt", "only for devices that joined\n");
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  for (const d of [b, c]) await syncOk(d);
  await b.ok(["--no-sync", "folder", "join", "docs", folderOf(b)]);
  await syncOk(b); // a hears that b joined (and b fetches the file)
  await syncOk(c);
  for (const d of [a, b, c]) await d.stopServer();

  const blake3 = await loadBlake3();
  const hash = blake3(new TextEncoder().encode("only for devices that joined\n"));
  const db = new DatabaseSync(homePaths(a.home).db, { readOnly: true });
  const stored = db.prepare("SELECT count(*) AS n FROM chunk_locs WHERE hash = ?")
    .get(Uint8Array.fromHex(hash)) as { n: number };
  db.close();
  assert.equal(stored.n, 1, "a's index holds the chunk");

  const home = await Home.open(a.home, { write: true });
  try {
    const toC = await ask(home, DeviceKey.fromId(c.id), "docs", hash);
    assert.equal(toC.answer.type, "stop");
    assert.equal((toC.answer as { code: string }).code, "not_shared");
    assert.equal(toC.result.chunks, 0);
    const otherFolder = await ask(home, DeviceKey.fromId(b.id), "nobody-shares-this", hash);
    assert.equal((otherFolder.answer as { code: string }).code, "not_shared");
    const toB = await ask(home, DeviceKey.fromId(b.id), "docs", hash);
    assert.equal(toB.answer.type, "piece", JSON.stringify(toB.answer.type));
    assert.equal(blake3((toB.answer as { bytes: Uint8Array }).bytes), hash);
  } finally {
    home.close();
  }
});
