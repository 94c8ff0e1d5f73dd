/**
 * @module corruption_test
 * Damage inside `mycel.db`, through real `mycel` processes:
 * - a byte flipped inside one stored entry (SQLite's own structures stay
 *   valid): `doctor` finds it (the entry no longer matches its hash, the next
 *   one no longer follows it), naming the database; `--fix` leaves the file
 *   alone; `repair` keeps every entry that still verifies, sets the damaged
 *   database aside and keeps what follows the gap waiting; this device's
 *   writes wait too (it must never sign a second entry for a seq a peer
 *   holds); one `sync now` brings the lost entry back from a peer and
 *   everything is as before;
 * - a damaged page of the state tables: reading commands fail naming the
 *   database and saying to repair (never "internal error", never an empty
 *   answer), `doctor` says so, and `repair` rebuilds the state from the
 *   entries, losing nothing.
 * (Before the database, the state was a separate `state.cbor` rebuilt from
 * the log segments; both are gone, so their tests went with them.)
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DeviceKey } from "../../src/log/device_key.ts";
import { openReadOnly } from "../../src/storage/db.ts";
import { homePaths } from "../../src/storage/home.ts";
import { describe, type StatusJson, type TempHome, tempHome } from "../helpers/mycel.ts";
import { type Device, devices } from "../sync/_helpers.ts";

interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  hint?: string;
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

/** `doctor --json` findings for `check` (any exit code). */
async function doctorFindings(h: TempHome, check: string, extra: string[] = []) {
  const r = await h.run(["doctor", "--json", ...extra], { env: { MYCEL_OFFLINE: "1" } });
  const report = JSON.parse(r.stdout) as { ok: boolean; findings: Finding[] };
  return report.findings.filter((f) => f.check === check);
}

/** Index of `needle` in `hay`, or -1. */
function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The stored bytes of `author#seq` in the database at `db`. */
function storedEntry(db: string, author: string, seq: number): Uint8Array {
  const d = openReadOnly(db);
  try {
    const row = d.prepare("SELECT bytes FROM entries WHERE author = ? AND seq = ?")
      .get(DeviceKey.fromId(author).bytes, seq) as { bytes: Uint8Array } | undefined;
    assert.ok(row, `no entry ${author.slice(0, 7)}#${seq}`);
    return row.bytes;
  } finally {
    d.close();
  }
}

/**
 * Fold the write-ahead log into `mycel.db` and remove it (what the last
 * writer does when it closes; a reader leaves an empty one behind), so the
 * bytes on disk are all in the one file the test damages.
 */
function settle(h: TempHome): string {
  const db = homePaths(h.home).db;
  const d = new DatabaseSync(db);
  d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  d.close();
  const left = [...Deno.readDirSync(h.home)].map((e) => e.name).filter((n) => n.includes("-wal"));
  assert.deepEqual(left, [], "the write-ahead log is folded in");
  return db;
}

Deno.test("a byte flipped inside a stored entry: doctor names it, repair keeps the rest, a sync brings it back", async () => {
  await using devs = await devices(["box", "backup"]);
  const [a, b] = devs.list as [Device, Device];
  await devs.peer(a, b);
  await a.write("pref", "set", "theme", "midnight-blue");
  await a.write("config", "set", "editor.size", "12");
  await a.write("app", "add", "firefox");
  await a.write("pref", "set", "lang", "en");
  await b.serve();
  await a.syncAll();
  await b.stopServer();
  const before = await everything(a.tmp);
  const head = (await a.status()).log.heads[a.id].seq;

  // The entry that set the theme: flip one bit of one character of its value.
  const db = settle(a.tmp);
  const log = await a.log();
  const seq = log.find((e) => e.device === a.id && JSON.stringify(e.ops).includes("midnight"))!
    .seq;
  assert.ok(seq < head, "entries follow the damaged one");
  const entry = storedEntry(db, a.id, seq);
  const file = await Deno.readFile(db);
  const at = indexOf(file, entry);
  assert.ok(at >= 0 && indexOf(file, entry, at + 1) < 0, "the entry's bytes are in the file once");
  const value = indexOf(entry, new TextEncoder().encode("midnight-blue"));
  file[at + value + 3] ^= 0x01; // "midnight" → "midoight"
  await Deno.writeFile(db, file);
  const damaged = file.slice();

  // doctor finds it, naming the database and the entry; --fix leaves the file alone.
  const [found] = await doctorFindings(a.tmp, "log");
  assert.equal(found.ok, false);
  assert.equal(found.hint, "Run `mycel repair`.");
  assert.ok(found.detail.startsWith(`${db}: `), found.detail);
  const short = a.id.slice(0, 7);
  assert.match(found.detail, new RegExp(`${short}#${seq} does not match its hash`));
  assert.match(found.detail, new RegExp(`${short}#${seq + 1} does not follow #${seq}`));
  assert.equal((await doctorFindings(a.tmp, "log", ["--fix"]))[0].ok, false);
  assert.deepEqual(await Deno.readFile(db), damaged, "doctor --fix does not touch the database");
  // The state was folded before the damage: reading it still works.
  assert.deepEqual(await a.tmp.json(["pref", "list", "--json"]), before.prefs);

  // repair: every entry that verifies is kept; what follows the gap waits.
  const r = await a.run(["repair"]);
  assert.equal(r.code, 0, describe(["repair"], r));
  assert.match(r.stdout, new RegExp(`^damage: ${short}#${seq} does not match its hash$`, "m"));
  const kept = r.stdout.match(
    /^kept (\d+) entries, (\d+) waiting for entries a peer has, 1 unreadable; the damaged database is kept as (\S+)$/m,
  );
  assert.ok(kept, r.stdout);
  assert.equal(Number(kept[2]), head - seq, "the entries after the damaged one wait");
  assert.ok(kept[3].startsWith(`${db}.damaged-`));
  assert.deepEqual(await Deno.readFile(kept[3]), damaged, "the damaged database is kept as it was");
  assert.match(r.stdout, new RegExp(`own log lost entries up to ${head}; run \`mycel sync now\``));

  // This device does not write again until its log is back.
  const blocked = await a.run(["--no-sync", "pref", "set", "later", "yes"]);
  assert.equal(blocked.code, 1, describe(["pref", "set"], blocked));
  assert.match(blocked.stderr, /being recovered after damage/);
  assert.match(blocked.stderr, /hint: Run `mycel sync now`/);
  assert.equal((await doctorFindings(a.tmp, "log"))[0].ok, true);
  const [aside] = await doctorFindings(a.tmp, "aside");
  assert.equal(aside.ok, false);
  assert.match(aside.detail, new RegExp(`${head - seq} entries of box \\(#${seq + 1}–#${head}\\)`));

  // One round with the peer brings the entry back, and what waited folds.
  await b.serve();
  const round = await a.syncAll();
  assert.ok(round.of(b).received >= 1, JSON.stringify(round.outcomes));
  assert.deepEqual(await everything(a.tmp), before);
  assert.deepEqual(await doctorFindings(a.tmp, "aside"), []);
  await a.write("pref", "set", "later", "yes");
  await a.syncAll();
  await devs.assertConverged();
});

Deno.test("a damaged page of the state tables: commands say so, repair rebuilds the state from the entries", async () => {
  await using h = await tempHome();
  const env = { MYCEL_NO_PUSH: "1" };
  await h.ok(["init", "--name", "box"], { env });
  await h.ok(["pref", "set", "theme", "dark"], { env });
  await h.ok(["config", "set", "editor.size", "12"], { env });
  await h.ok(["app", "add", "firefox", "ripgrep"], { env });
  await h.ok(["pattern", "add", '{"id":"greet","text":"hi"}'], { env });
  await h.ok(["pref", "set", "lang", "en"], { env });
  const before = await everything(h);

  // Break the root page of the `versions` table (config, prefs and patterns).
  const db = settle(h);
  const d = openReadOnly(db);
  const { rootpage } = d.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'versions'")
    .get() as { rootpage: number };
  const { page_size } = d.prepare("PRAGMA page_size").get() as { page_size: number };
  d.close();
  const file = await Deno.readFile(db);
  file[(rootpage - 1) * page_size] = 0; // no valid b-tree page type
  await Deno.writeFile(db, file);

  for (const args of [["pref", "list", "--json"], ["config", "list"], ["status"]]) {
    const r = await h.run(args);
    assert.equal(r.code, 1, describe(args, r));
    assert.equal(r.stdout, "", "no answer from a damaged state (not an empty one)");
    // Under --json the error is JSON too, with its stable code.
    const text = args.includes("--json")
      ? (({ error }) => `error: ${error.message}\nhint: ${error.hint}`)(JSON.parse(r.stderr))
      : r.stderr;
    assert.match(text, new RegExp(`^error: Cannot .*: the database is damaged \\(${db}\\)$`, "m"));
    assert.match(text, /^hint: Run `mycel repair`/m);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  const [found] = await doctorFindings(h, "log");
  assert.equal(found.ok, false);
  assert.ok(found.detail.startsWith(`${db}: `), found.detail);
  assert.equal(found.hint, "Run `mycel repair`.");

  const r = await h.run(["repair"]);
  assert.equal(r.code, 0, describe(["repair"], r));
  assert.match(r.stdout, /^kept 6 entries; the damaged database is kept as \S+$/m);
  assert.deepEqual(await everything(h), before, "nothing lost");
  assert.equal((await doctorFindings(h, "log"))[0].ok, true);
  const w = await h.run(["pref", "set", "after", "yes"], { env });
  assert.equal(w.code, 0, describe(["pref", "set"], w));
});
