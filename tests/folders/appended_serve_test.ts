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
 *   has that content and waits for the next scan's version, as before;
 * - a member asking again and again for a chunk of a big file rewritten
 *   since its scan gets `none` each time, and the serving side hashes at
 *   most MISSED_CHECK_BUDGET bytes for it in a phase (before: 2048 asks of
 *   one chunk, 170-470 KB here, each read and hashed for a 40-byte answer:
 *   0.3-1 GB); a file unchanged since its scan is still served after that;
 * - rewritten in place while a peer fetches it (opened for an earlier
 *   chunk), it is looked at again after each read: the later chunks are
 *   not sent as the bytes now there (before, they were, and the fetching
 *   device dropped this one as "sent wrong bytes" for the rest of its round).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { toHex } from "../../src/bytes.ts";
import { loadBlake3 } from "../../src/files/chunk_hash.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeChunkMessage, encodeChunkMessage } from "../../src/protocol/chunk_messages.ts";
import { homePaths } from "../../src/storage/home.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { serveFilePhase } from "../../src/sync/file_serve.ts";
import { channelPair } from "../transport/helpers.ts";

/** What a phase may hash of changed files without a match (file_serve.ts MISSED_CHECK_BUDGET). */
const MISSED_CHECK_BUDGET = 64 << 20;
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

Deno.test("a member asking again and again for a chunk of a file rewritten since its scan costs a bounded hash", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "other.txt", "other\n"),
  });
  await syncOk(b);
  const size = 8 << 20;
  await put(ra, "data.bin", pseudoRandomBytes(size, 1));
  await syncOk(a);
  await syncOk(b); // a hears that b joined
  const f = await Deno.open(join(ra, "data.bin"), { write: true });
  await f.write(pseudoRandomBytes(size, 2)); // the same size and inode, other bytes
  f.close();
  for (const d of [a, b]) await d.stopServer();

  const db = new DatabaseSync(homePaths(a.home).db, { readOnly: true });
  const first = db.prepare(
    "SELECT hash, length FROM chunk_locs WHERE folder = 'docs' AND path = 'data.bin' AND offset = 0",
  ).get() as { hash: Uint8Array; length: number };
  db.close();
  const other = Uint8Array.fromHex((await loadBlake3())(new TextEncoder().encode("other\n")));

  const home = await Home.open(a.home, { write: true });
  const [asker, server] = await channelPair();
  try {
    const served = serveFilePhase(home, server, DeviceKey.fromId(b.id), 20_000);
    const asks = 2048;
    const answers: string[] = [];
    for (let m = 0; m < asks / 256; m++) {
      await asker.send(encodeChunkMessage({
        type: "want",
        folder: "docs",
        ids: Array.from({ length: 256 }, () => first.hash),
      }));
      for (let i = 0; i < 256; i++) {
        answers.push(decodeChunkMessage((await asker.receive(20_000))!).type);
      }
    }
    assert.deepEqual(new Set(answers), new Set(["none"]));
    await asker.send(encodeChunkMessage({ type: "want", folder: "docs", ids: [other] }));
    assert.equal(
      decodeChunkMessage((await asker.receive(20_000))!).type,
      "piece",
      "unchanged: served",
    );
    await asker.send(encodeChunkMessage({ type: "bye" }));
    const result = await served;
    assert.equal(result.missing, asks);
    assert.ok(
      result.missedCheckBytes <= MISSED_CHECK_BUDGET + first.length,
      `${result.missedCheckBytes} bytes hashed for ${asks} asks of a ${first.length}-byte chunk`,
    );
  } finally {
    asker.close();
    server.close();
    home.close();
  }
});

Deno.test("a file rewritten in place while a peer fetches it is not served as the version published from then on", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "other.txt", "other\n"),
  });
  await syncOk(b);
  const size = 8 << 20;
  await put(ra, "data.bin", pseudoRandomBytes(size, 1));
  await syncOk(a);
  await syncOk(b); // a hears that b joined
  for (const d of [a, b]) await d.stopServer();

  const db = new DatabaseSync(homePaths(a.home).db, { readOnly: true });
  const chunks = db.prepare(
    "SELECT hash, length FROM chunk_locs WHERE folder = 'docs' AND path = 'data.bin' ORDER BY offset",
  ).all() as { hash: Uint8Array; length: number }[];
  db.close();
  assert.ok(chunks.length > 2, `${chunks.length} chunks`);
  const blake3 = await loadBlake3();

  const home = await Home.open(a.home, { write: true });
  const [asker, server] = await channelPair();
  try {
    const served = serveFilePhase(home, server, DeviceKey.fromId(b.id), 20_000);
    /** The bytes answered for chunk `i` (undefined: `none`). */
    const ask = async (i: number): Promise<Uint8Array | undefined> => {
      await asker.send(encodeChunkMessage({ type: "want", folder: "docs", ids: [chunks[i].hash] }));
      const parts: Uint8Array[] = [];
      for (;;) {
        const m = decodeChunkMessage((await asker.receive(20_000))!);
        if (m.type === "none") return undefined;
        assert.equal(m.type, "piece");
        if (m.type !== "piece") return undefined;
        parts.push(m.bytes.slice());
        if (m.offset + m.bytes.length === m.total) break;
      }
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) all.set(p, (at += p.length) - p.length);
      return all;
    };
    const first = await ask(0); // the file is opened for it, unchanged: served
    assert.ok(first !== undefined && blake3(first) === toHex(chunks[0].hash));
    // The program rewrites it in place while the fetch goes on.
    const f = await Deno.open(join(ra, "data.bin"), { write: true });
    await f.write(pseudoRandomBytes(size, 2)); // the same size and inode, other bytes
    f.close();
    const last = chunks.length - 1;
    const later = await ask(last);
    assert.ok(
      later === undefined || blake3(later) === toHex(chunks[last].hash),
      "bytes that are not the chunk were sent for it: the fetching device drops this one as 'sent wrong bytes'",
    );
    await asker.send(encodeChunkMessage({ type: "bye" }));
    await served;
  } finally {
    asker.close();
    server.close();
    home.close();
  }
});

Deno.test("a file rewritten in place with its size and time put back (cp -p, rsync -t) is not served as the version published", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "other.txt", "other\n"),
  });
  await syncOk(b);
  const published = "the version published\n";
  await put(ra, "f.txt", published);
  await syncOk(a);
  await syncOk(b); // a hears that b joined
  for (const d of [a, b]) await d.stopServer();
  // Rewritten in place, the same size, the time put back: only the ctime says so.
  const abs = join(ra, "f.txt");
  const st = Deno.lstatSync(abs);
  await new Promise((r) => setTimeout(r, 1100)); // ctime comes in whole seconds
  Deno.writeTextFileSync(abs, "THE VERSION PUBLISHED\n");
  Deno.utimeSync(abs, new Date(), st.mtime!);
  const now = Deno.lstatSync(abs);
  assert.deepEqual([now.size, now.mtime?.getTime(), now.ino], [
    st.size,
    st.mtime?.getTime(),
    st.ino,
  ]);
  const blake3 = await loadBlake3();
  const id = Uint8Array.fromHex(blake3(new TextEncoder().encode(published)));

  const home = await Home.open(a.home, { write: true });
  const [asker, server] = await channelPair();
  try {
    const served = serveFilePhase(home, server, DeviceKey.fromId(b.id), 20_000);
    await asker.send(encodeChunkMessage({ type: "want", folder: "docs", ids: [id] }));
    const m = decodeChunkMessage((await asker.receive(20_000))!);
    assert.ok(
      m.type !== "piece" || blake3(m.bytes) === toHex(id),
      "bytes that are not the chunk were sent for it: the fetching device drops this one as 'sent wrong bytes'",
    );
    await asker.send(encodeChunkMessage({ type: "bye" }));
    await served;
  } finally {
    asker.close();
    server.close();
    home.close();
  }
});
