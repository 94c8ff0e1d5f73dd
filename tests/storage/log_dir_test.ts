/**
 * @module log_dir_test
 * The log folder: one segment per author named by its id without dashes,
 * listing only well-named segment files, and the cheap "anything to replay?"
 * check against the snapshot's heads.
 */

import assert from "node:assert/strict";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { homePaths } from "../../src/storage/home.ts";
import { needsReplay, segmentFiles, segmentPath } from "../../src/storage/log_dir.ts";
import type { StoredHead } from "../../src/storage/snapshot.ts";
import { tempDir } from "./helpers.ts";

const A = deviceIdFromKey(new Uint8Array(32).fill(1));
const B = deviceIdFromKey(new Uint8Array(32).fill(2));
const head = (offset: number): StoredHead => ({ seq: 1, hash: new Uint8Array(32), offset });

Deno.test("segmentPath() is <logDir>/<id without dashes>.log", () => {
  const p = homePaths("/h");
  assert.equal(segmentPath(p, A), `/h/log/${A.replaceAll("-", "")}.log`);
  assert.match(segmentPath(p, A), /^\/h\/log\/[A-Z2-7]{56}\.log$/);
});

Deno.test("segmentFiles() lists segment files by author with their sizes", async () => {
  await using dir = await tempDir();
  const p = homePaths(dir.path);
  assert.deepEqual(await segmentFiles(p), new Map(), "a missing log folder is empty");
  await Deno.mkdir(p.logDir);
  await Deno.writeFile(segmentPath(p, A), new Uint8Array(10));
  await Deno.writeFile(segmentPath(p, B), new Uint8Array(0));
  // Things that are not segments are ignored.
  await Deno.writeTextFile(`${p.logDir}/notes.txt`, "x");
  await Deno.writeTextFile(`${p.logDir}/${A.replaceAll("-", "")}.log.1234.tmp`, "x");
  await Deno.writeTextFile(`${p.logDir}/${A.replaceAll("-", "").toLowerCase()}.log`, "x");
  await Deno.mkdir(`${p.logDir}/${"A".repeat(56)}.log`);
  assert.deepEqual(await segmentFiles(p), new Map([[A, 10], [B, 0]]));
});

Deno.test("needsReplay() is true exactly when a segment differs from the covered offsets", () => {
  const files = (m: [string, number][]) => new Map(m);
  const heads = (m: [string, number][]) => new Map(m.map(([a, o]) => [a, head(o)]));
  assert.equal(needsReplay(files([]), heads([])), false);
  assert.equal(needsReplay(files([[A, 10], [B, 5]]), heads([[A, 10], [B, 5]])), false);
  assert.equal(needsReplay(files([[A, 12]]), heads([[A, 10]])), true, "records past the snapshot");
  assert.equal(needsReplay(files([[A, 8]]), heads([[A, 10]])), true, "a shortened file");
  assert.equal(needsReplay(files([[A, 10], [B, 1]]), heads([[A, 10]])), true, "a new author");
  assert.equal(needsReplay(files([[A, 0]]), heads([])), false, "an empty new segment");
  assert.equal(needsReplay(files([]), heads([[A, 10]])), true, "a missing file");
});
