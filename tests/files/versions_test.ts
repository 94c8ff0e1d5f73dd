/**
 * @module versions_test
 * Kept versions: names carry the UTC time they were kept, listing finds
 * exactly one path's versions newest first, pruning drops what is older
 * than the retention by that stamp and leaves unstamped files alone; local
 * files serve as a checked chunk source.
 */

import assert from "node:assert/strict";
import { chunkBytes } from "../../src/files/content_chunker.ts";
import {
  chainChunkSources,
  chunkLocations,
  localFileChunkSource,
} from "../../src/files/chunk_sources.ts";
import {
  DEFAULT_VERSION_RETENTION_MS,
  listVersions,
  pruneVersions,
  versionPathFor,
} from "../../src/files/versions.ts";
import { pseudoRandomBytes, TEST_PARAMS, TEST_SEED, testFolder } from "./helpers.ts";

const DAY = 24 * 3600 * 1000;
const NOW = Date.UTC(2026, 5, 30, 12, 0, 0);

Deno.test("versionPathFor() mirrors the folder and stamps the name before the extension", () => {
  const t = Date.UTC(2026, 2, 4, 5, 6, 7, 89);
  assert.equal(
    versionPathFor("a/report.pdf", t),
    ".mycel/versions/a/report~20260304-050607-089.pdf",
  );
  assert.equal(versionPathFor(".bashrc", t), ".mycel/versions/.bashrc~20260304-050607-089");
  assert.equal(versionPathFor("x.tar.gz", t), ".mycel/versions/x.tar~20260304-050607-089.gz");
  const long = versionPathFor(`${"n".repeat(300)}.txt`, t);
  assert.ok(long.split("/").pop()!.length <= 255);
});

Deno.test("listVersions() lists one path's versions, newest first, and nothing else", async () => {
  await using f = await testFolder();
  for (
    const [path, age] of [["d/a.txt", 1], ["d/a.txt", 3], ["d/a.txt", 2], ["d/ab.txt", 1], [
      "d/a.txt.bak",
      1,
    ]] as const
  ) {
    await f.write(versionPathFor(path, NOW - age * DAY), `${path} ${age}`);
  }
  await f.write(".mycel/versions/d/a~garbage.txt", "not a version");
  const got = await listVersions(f.root, "d/a.txt");
  assert.deepEqual(got.map((v) => v.keptAt), [NOW - DAY, NOW - 2 * DAY, NOW - 3 * DAY]);
  assert.equal(await Deno.readTextFile(f.abs(got[0].path)), "d/a.txt 1");
  assert.deepEqual(await listVersions(f.root, "never/existed"), []);
});

Deno.test("listVersions() of two long names that differ only past the cut lists each one's versions only", async () => {
  await using f = await testFolder();
  const long = "x".repeat(240);
  await f.write(versionPathFor(`${long}A.txt`, NOW - DAY), "A's old content");
  await f.write(versionPathFor(`${long}B.txt`, NOW - 2 * DAY), "B's old content");
  const a = await listVersions(f.root, `${long}A.txt`);
  const b = await listVersions(f.root, `${long}B.txt`);
  assert.deepEqual(a.map((v) => v.keptAt), [NOW - DAY]);
  assert.deepEqual(b.map((v) => v.keptAt), [NOW - 2 * DAY]);
  assert.equal(await Deno.readTextFile(f.abs(b[0].path)), "B's old content");
  assert.ok(a[0].path.split("/").pop()!.length <= 255);
});

Deno.test("pruneVersions() removes versions past the retention (30 days unless told) and empty folders", async () => {
  await using f = await testFolder();
  await f.write(versionPathFor("old/x", NOW - 31 * DAY), "12345");
  await f.write(versionPathFor("keep/y", NOW - 29 * DAY), "y");
  await f.write(versionPathFor("notes.", NOW - 40 * DAY), "z");
  await f.write(".mycel/versions/unstamped.txt", "left alone");
  assert.equal(DEFAULT_VERSION_RETENTION_MS, 30 * DAY);
  const r = await pruneVersions(f.root, { now: NOW });
  assert.deepEqual(r, { removed: 2, bytes: 6, notRemoved: [], notListed: [] });
  await assert.rejects(Deno.lstat(f.abs(".mycel/versions/old")), Deno.errors.NotFound);
  assert.equal((await listVersions(f.root, "keep/y")).length, 1);
  const shorter = await pruneVersions(f.root, { now: NOW, retentionMs: 7 * DAY });
  assert.deepEqual(shorter, { removed: 1, bytes: 1, notRemoved: [], notListed: [] });
  assert.equal(await Deno.readTextFile(f.abs(".mycel/versions/unstamped.txt")), "left alone");
});

Deno.test("local files serve their chunks, checked; a changed file just falls through", async () => {
  await using f = await testFolder();
  const data = pseudoRandomBytes(50_000, 9);
  await f.write("copy.bin", data);
  const chunks = await chunkBytes(data, TEST_PARAMS, TEST_SEED);
  const local = localFileChunkSource(f.root, chunkLocations([{ path: "copy.bin", chunks }]));
  const fallback = { get: () => new Uint8Array([42]) };
  const chain = chainChunkSources(local, fallback);
  const second = chunks[1];
  const bytes = await local.get(second.hash);
  assert.deepEqual(bytes, data.subarray(chunks[0].length, chunks[0].length + second.length));
  await f.write("copy.bin", pseudoRandomBytes(50_000, 10));
  assert.equal(await local.get(second.hash), undefined);
  assert.deepEqual(await chain.get(second.hash), new Uint8Array([42]));
  await Deno.remove(f.abs("copy.bin"));
  await Deno.symlink("/etc/hostname", f.abs("copy.bin"));
  assert.equal(await local.get(chunks[0].hash), undefined, "a symlink is never read through");
});

Deno.test("a kept symbolic link is listed as a link and pruned like a file, never followed", async () => {
  await using f = await testFolder();
  const outside = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(outside, "outside the folder");
    const kept = versionPathFor("L", NOW - 3 * DAY);
    await f.write(versionPathFor("L", NOW - DAY), "a file kept later");
    await Deno.mkdir(f.abs(".mycel/versions"), { recursive: true });
    await Deno.symlink(outside, f.abs(kept));
    const got = await listVersions(f.root, "L");
    assert.deepEqual(got.map((v) => [v.keptAt, v.link]), [[NOW - DAY, false], [
      NOW - 3 * DAY,
      true,
    ]]);
    const r = await pruneVersions(f.root, { now: NOW, retentionMs: 2 * DAY });
    assert.equal(r.removed, 1);
    await assert.rejects(Deno.lstat(f.abs(kept)), Deno.errors.NotFound);
    assert.equal(await Deno.readTextFile(outside), "outside the folder", "the target is untouched");
  } finally {
    await Deno.remove(outside);
  }
});
