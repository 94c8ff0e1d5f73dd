/**
 * @module doctor_chunk_key_test
 * `mycel doctor` names each folder synced here whose chunk key
 * (src/files/chunk_key.ts) is missing — shared by an earlier release — or
 * unusable — a value a member wrote that is not base64 of 16 bytes or more
 * — and says what the folder is cut with instead (the interim secret), with
 * a hint; text and `--json` alike. Chunking takes such a value as none, and
 * before this nothing said so. The value itself, a secret, is never printed.
 */

import assert from "node:assert/strict";
import { chunkKeyName } from "../../src/files/chunk_key.ts";
import type { Json } from "../../src/crdt/json.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { type Device, devices, folderOf } from "./_helpers.ts";

interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

/** `doctor --json`'s chunk-key findings on `d`, and everything it printed. */
async function chunkKeyFindings(d: Device): Promise<{ findings: Finding[]; printed: string }> {
  const r = await d.run(["--no-sync", "doctor", "--json"]);
  const all = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  return { findings: all.filter((f) => f.check === "chunk-key"), printed: r.stdout + r.stderr };
}

/** Commit `ops` as `d` (what the CLI can't write: a member's own or an earlier release's). */
async function commitAs(d: Device, ops: (home: Home) => Parameters<Home["write"]>[0]) {
  using home = await Home.open(d.home, { write: true });
  await home.write(ops(home));
}

Deno.test("doctor names each folder whose chunk key is missing or unusable and what it cuts with, never the key", async () => {
  await using devs = await devices(["a"]);
  const [a] = devs.list;
  for (const id of ["good", "bad"]) {
    await Deno.mkdir(folderOf(a, id));
    await a.ok(["--no-sync", "folder", "add", folderOf(a, id), "--id", id]);
  }
  let keys: string[] = [];
  {
    using home = await Home.open(a.home);
    keys = ["good", "bad"].map((id) => home.view.config(chunkKeyName(id)) as string);
  }
  const none = await chunkKeyFindings(a);
  assert.deepEqual(none.findings, [
    {
      check: "chunk-key",
      ok: true,
      detail: "2 folders synced here, each cut with a key of its own",
    },
  ]);

  // A folder an earlier release shared (no key with its share), joined here.
  await commitAs(a, () => async (w) => {
    await w.commit([{ type: "folder.share", folder: "old", name: "old" }]);
  });
  await a.ok(["--no-sync", "folder", "join", "old", folderOf(a, "old")]);
  const bads: [Json, string][] = [
    ["c2hvcnQ=", "5 bytes, fewer than 16"], // "short"
    ["not base64 at all!", "not base64"],
    [42, "not text"],
  ];
  for (const [value, why] of bads) {
    const name = chunkKeyName("bad");
    await commitAs(a, (home) => async (w) => {
      await w.commit([
        { type: "config.set", key: name, value, observed: home.view.observed("config", name) },
      ]);
    });
    const { findings, printed } = await chunkKeyFindings(a);
    assert.deepEqual(findings.map((f) => [f.ok, f.detail]), [
      [
        false,
        "folder bad's chunk key is unusable (mycel.chunk-key.YmFk: " + why +
        "): its files are cut with the interim secret, made from the mesh id",
      ],
      [
        false,
        "folder old has no chunk key (shared by an earlier release): its files are cut with " +
        "the interim secret, made from the mesh id",
      ],
    ]);
    assert.match(findings[0].hint!, /mycel\.chunk-key\.YmFk.*`mycel log` shows which device/);
    assert.match(findings[1].hint!, /`mycel folder add`/);
    if (typeof value === "string") assert.ok(!printed.includes(value), "the value is not shown");
    for (const key of keys) assert.ok(!printed.includes(key), "no key is shown");
  }

  const text = await a.run(["--no-sync", "doctor"]);
  assert.notEqual(text.code, 0);
  assert.match(text.stdout, /^FAIL {2}chunk-key {3}folder old has no chunk key .*mesh id$/m);
  assert.match(text.stdout, /^ {18}hint: Its files still sync/m);
  assert.match(text.stdout, /^FAIL {2}chunk-key {3}folder bad's chunk key is unusable/m);
  for (const key of keys) assert.ok(!text.stdout.includes(key) && !text.stderr.includes(key));
});
