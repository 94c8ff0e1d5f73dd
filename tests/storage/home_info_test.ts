/**
 * @module home_info_test
 * `home.json`: round trip, `not_initialized` for a missing file, `bad_home`
 * for damaged or malformed contents.
 */

import assert from "node:assert/strict";
import { homePaths } from "../../src/storage/home.ts";
import { readHomeInfo, writeHomeInfo } from "../../src/storage/home_info.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { listDir, modeOf, tempDir } from "./helpers.ts";

Deno.test("writeHomeInfo()/readHomeInfo() round-trip as readable JSON, mode 0600", async () => {
  await using dir = await tempDir();
  const p = homePaths(dir.path);
  const info = { version: 1 as const, device: "ABC", mesh: "m" };
  await writeHomeInfo(p, info);
  assert.deepEqual(await readHomeInfo(p), info);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(p.info)), info);
  assert.ok((await Deno.readTextFile(p.info)).endsWith("\n"));
  assert.equal(await modeOf(p.info), 0o600);
  assert.deepEqual(await listDir(dir.path), ["home.json"]);
});

Deno.test("readHomeInfo() of a home without home.json is not_initialized with a hint", async () => {
  await using dir = await tempDir();
  const e = await assertRejectsMycel(() => readHomeInfo(homePaths(dir.path)), "not_initialized");
  assert.ok(e.message.includes(dir.path));
  assert.match(e.hint ?? "", /mycel init/);
});

Deno.test("readHomeInfo() rejects damaged or malformed home.json with bad_home", async () => {
  await using dir = await tempDir();
  const p = homePaths(dir.path);
  for (
    const text of [
      "",
      "{",
      "null",
      "[]",
      '"x"',
      '{"version":2,"device":"a","mesh":"m"}',
      '{"version":1,"device":5,"mesh":"m"}',
      '{"version":1,"device":"a"}',
      '{"device":"a","mesh":"m"}',
    ]
  ) {
    await Deno.writeTextFile(p.info, text);
    const e = await assertRejectsMycel(() => readHomeInfo(p), "bad_home", text);
    assert.ok(e.message.includes(p.info));
  }
});
