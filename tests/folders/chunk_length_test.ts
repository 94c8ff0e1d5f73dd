/**
 * A hostile member publishes a signed file version that names a real chunk's
 * id (the first chunk of an honest file) with another length (found by a
 * review). Before: a device holding that chunk wrote the lying file with the
 * chunk's real bytes — hundreds of KiB where its version says 5 — and
 * recorded it as holding that version; a device fetching it asked the chunk
 * once, with the lying file's length, dropped the honest peer that sent the
 * right bytes as "sent wrong bytes", and never got the honest file (every
 * round). Now the version is blamed: its file is not written (said by path,
 * naming its maker), the honest peer stays and every other file arrives.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ChunkRef } from "../../src/log/chunk_list.ts";
import { decodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, exists, folderOf, put, saidAfter, syncNow, tempFiles } from "./_helpers.ts";

/** As `home`'s own device, publish a file `path` with the chunk list `inline`. */
async function publish(home: string, folder: string, path: string, inline: ChunkRef[]) {
  const h = await Home.open(home, { write: true });
  try {
    await h.write(async (w) => {
      const self = h.device.id;
      const version: FileVersion = {
        kind: "file",
        path,
        mtime: Date.now(),
        modifiedBy: self,
        vv: new Map([[self, 1]]),
        size: inline.reduce((n, c) => n + c.length, 0),
        exec: false,
        chunks: { inline },
      };
      await w.commit([{ type: "file.version", folder, version }]);
    });
  } finally {
    h.close();
  }
}

/** The chunk list of `path` as `home`'s state holds it. */
async function chunksOf(home: string, folder: string, path: string): Promise<readonly ChunkRef[]> {
  const h = await Home.open(home, { write: false });
  try {
    for (const [p, list] of h.view.folders().paths(folder)) {
      if (p !== path) continue;
      const v = decodeFileVersion(list[0].bytes);
      if (v.kind === "file" && "inline" in v.chunks) return v.chunks.inline;
    }
  } finally {
    h.close();
  }
  throw new Error(`no inline version of ${path}`);
}

// Sorting before the honest file (its chunk was asked with the lie's length
// first) and after it; and a lie after a true chunk, which a device holding
// both writes into its temporary file before it meets the lie.
for (const evil of ["0evil.bin", "zevil.bin", "0mixed.bin"]) {
  Deno.test(`a version (${evil}) giving a real chunk another length is not written; the honest peer stays and the honest file arrives`, async () => {
    await using devs = await devices(["a", "b", "rogue"]);
    const [a, b, rogue] = devs.list;
    for (const [x, y] of [[a, b], [a, rogue], [b, rogue]]) await devs.peer(x, y);
    await a.serve();
    const ra = folderOf(a), rb = folderOf(b), rr = folderOf(rogue);
    await Deno.mkdir(ra);
    const data = pseudoRandomBytes(1 << 20, 5); // a few chunks, an inline list
    await put(ra, "big.bin", data);
    await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
    await syncNow(rogue);
    await rogue.ok(["--no-sync", "folder", "join", "docs", rr]);
    await syncNow(rogue);
    const chunks = await chunksOf(rogue.home, "docs", "big.bin");
    assert.ok(chunks.length >= 2, `chunks: ${chunks.length}`);
    const lie = { hash: chunks[0].hash, length: 5 };
    await publish(rogue.home, "docs", evil, evil === "0mixed.bin" ? [chunks[1], lie] : [lie]);
    await syncNow(rogue); // a gets the version
    const note = new RegExp(
      `${evil}: its version \\(made by rogue\\) says chunk ${lie.hash.slice(0, 16)} is 5 bytes, ` +
        `but that chunk is ${chunks[0].length} bytes`,
    );

    // a holds the chunk itself: the lying file is not written, and said so.
    const onA = await syncNow(a);
    assert.equal(await exists(join(ra, evil)), false, `${evil} written on a`);
    assert.match(await saidAfter(a, onA), note);
    assert.deepEqual(tempFiles(ra), []);

    // b has nothing: it fetches from a, which is not taken for a liar.
    await syncNow(b);
    await b.ok(["--no-sync", "folder", "join", "docs", rb]);
    const first = await syncNow(b);
    assert.doesNotMatch(first.stderr, /sent wrong bytes/);
    assert.deepEqual(await Deno.readFile(join(rb, "big.bin")), data);
    assert.match(await saidAfter(b, first), note);
    const second = await syncNow(b); // the chunk is local now: the same lie, met there
    assert.doesNotMatch(second.stderr, /sent wrong bytes/);
    assert.match(await saidAfter(b, second), note);
    assert.equal(await exists(join(rb, evil)), false, `${evil} written on b`);
    assert.deepEqual(tempFiles(rb), []);
  });
}
