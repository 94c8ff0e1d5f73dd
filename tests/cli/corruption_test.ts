/**
 * @module corruption_test
 * Damaged files on disk, through real `mycel` processes:
 * - bytes flipped inside a log segment record that later records follow:
 *   `mycel log` fails naming the file, `mycel status` still works (it reads
 *   the snapshot);
 * - bytes flipped in the snapshot (`state.cbor`): the next command warns,
 *   naming the file, rebuilds the state from the log, and loses nothing.
 */

import assert from "node:assert/strict";
import { describe, type StatusJson, type TempHome, tempHome } from "../helpers/mycel.ts";
import { segmentRecords } from "../helpers/segment.ts";

function flip(bytes: Uint8Array, at: number, count = 4): void {
  for (let i = 0; i < count; i++) bytes[at + i] ^= 0x5a;
}

function segment(h: TempHome): string {
  const files = [...Deno.readDirSync(`${h.home}/log`)].filter((e) => e.name.endsWith(".log"));
  assert.equal(files.length, 1);
  return `${h.home}/log/${files[0].name}`;
}

async function populated(): Promise<TempHome> {
  const h = await tempHome();
  await h.ok(["init", "--name", "box"]);
  await h.ok(["pref", "set", "theme", "dark"]);
  await h.ok(["config", "set", "editor.size", "12"]);
  await h.ok(["app", "add", "firefox", "ripgrep"]);
  await h.ok(["pattern", "add", '{"id":"greet","text":"hi"}']);
  await h.ok(["pref", "set", "lang", "en"]);
  return h;
}

interface Everything {
  prefs: unknown;
  config: unknown;
  apps: unknown;
  patterns: unknown;
  digest: string;
}

async function everything(h: TempHome): Promise<Everything> {
  const [prefs, config, apps, patterns, st] = await Promise.all([
    h.json(["pref", "list", "--json"]),
    h.json(["config", "list", "--json"]),
    h.json(["app", "list", "--json"]),
    h.json(["pattern", "list", "--json"]),
    h.json<StatusJson>(["status", "--json"]),
  ]);
  return { prefs, config, apps, patterns, digest: st.state_digest };
}

Deno.test("a flipped byte in the middle of a log segment: log names the file, status works", async () => {
  await using h = await populated();
  const path = segment(h);
  const bytes = await Deno.readFile(path);
  const recs = segmentRecords(bytes);
  assert.equal(recs.length, 6, "one record per command");
  // Damage the payload of the third record: three intact records follow it.
  const victim = recs[2];
  flip(bytes, victim.offset + 8 + Math.floor(victim.length / 2));
  await Deno.writeFile(path, bytes);

  const r = await h.run(["log"]);
  assert.equal(r.code, 1, describe(["log"], r));
  assert.match(r.stderr, /^error: Cannot read log: /);
  assert.ok(r.stderr.includes(path), `the message names ${path}:\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`damaged at byte ${victim.offset}: checksum mismatch`));
  assert.match(r.stderr, /\nhint: /);
  assert.doesNotMatch(r.stderr, /internal error/);

  const st = await h.run(["status", "--json"]);
  assert.equal(st.code, 0, describe(["status", "--json"], st));
  assert.equal((JSON.parse(st.stdout) as StatusJson).counts.preferences, 2);
  assert.equal((await h.run(["status"])).code, 0);
  assert.deepEqual(await h.json(["pref", "list", "--json"]), { lang: "en", theme: "dark" });
});

Deno.test("a damaged record length in a log segment is reported, naming the file", async () => {
  await using h = await populated();
  const path = segment(h);
  const bytes = await Deno.readFile(path);
  const recs = segmentRecords(bytes);
  // An impossible length in the second record's header.
  new DataView(bytes.buffer).setUint32(recs[1].offset, 0xfffffff0, true);
  await Deno.writeFile(path, bytes);
  const r = await h.run(["log", "--json"]);
  assert.equal(r.code, 1, describe(["log", "--json"], r));
  // Under --json the error is JSON too, with its stable code.
  const { error } = JSON.parse(r.stderr);
  assert.equal(error.code, "corrupt_log");
  assert.match(error.message, /^Cannot read log: /);
  assert.ok(error.message.includes(path), r.stderr);
  assert.equal(r.stdout, "");
  const text = await h.run(["log"]);
  assert.match(text.stderr, /^error: Cannot read log: /);
  assert.equal((await h.run(["status", "--json"])).code, 0);
});

Deno.test("a flipped byte in state.cbor: the next command warns, rebuilds from the log, loses nothing", async () => {
  await using h = await populated();
  const before = await everything(h);
  const snapshot = `${h.home}/state.cbor`;
  const bytes = await Deno.readFile(snapshot);
  flip(bytes, Math.floor(bytes.length / 2));
  await Deno.writeFile(snapshot, bytes);

  // A reader: warns, naming the file, and answers from the rebuilt state.
  const read = await h.run(["pref", "list", "--json"]);
  assert.equal(read.code, 0, describe(["pref", "list", "--json"], read));
  assert.deepEqual(JSON.parse(read.stdout), before.prefs);
  assert.match(read.stderr, /^warning: /);
  assert.ok(read.stderr.includes(snapshot), `the warning names ${snapshot}:\n${read.stderr}`);
  assert.match(read.stderr, /rebuilt it from the log/);

  // Every value is still there, and the state is exactly the same.
  const rebuilt = await everything(h);
  assert.deepEqual(rebuilt, before);

  // A writer: warns too, keeps the damaged file aside and saves a good one.
  const write = await h.run(["pref", "set", "after", "yes"]);
  assert.equal(write.code, 0, describe(["pref", "set"], write));
  assert.equal(write.stdout, "after = yes\n");
  assert.ok(write.stderr.includes(snapshot), write.stderr);
  const kept = [...Deno.readDirSync(h.home)].map((e) => e.name).filter((n) =>
    n.startsWith("state.cbor.damaged-")
  );
  assert.equal(kept.length, 1, "the damaged snapshot is kept aside");
  const clean = await h.run(["pref", "list", "--json"]);
  assert.equal(clean.stderr, "", "the new snapshot is sound");
  assert.deepEqual(JSON.parse(clean.stdout), { ...before.prefs as object, after: "yes" });
  assert.equal((await h.ok(["log"])).stdout.trimEnd().split("\n").length, 7);
});

Deno.test("a truncated or missing state.cbor is rebuilt from the log", async () => {
  await using h = await populated();
  const before = await everything(h);
  const snapshot = `${h.home}/state.cbor`;
  const bytes = await Deno.readFile(snapshot);
  await Deno.writeFile(snapshot, bytes.subarray(0, 20));
  const r = await h.run(["status", "--json"]);
  assert.equal(r.code, 0, describe(["status", "--json"], r));
  assert.ok(r.stderr.includes(snapshot), r.stderr);
  assert.equal((JSON.parse(r.stdout) as StatusJson).state_digest, before.digest);

  await Deno.remove(snapshot);
  const gone = await h.run(["status", "--json"]);
  assert.equal(gone.code, 0, describe(["status", "--json"], gone));
  assert.equal((JSON.parse(gone.stdout) as StatusJson).state_digest, before.digest);
  assert.deepEqual(await everything(h), before);
});
