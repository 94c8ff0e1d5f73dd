/**
 * @module repair_test
 * `repair` on a real database with damage planted in it: bytes of stored
 * entries flipped (caught by hash and chain checks, which SQLite cannot see),
 * and a damaged page (caught by SQLite's integrity check). Everything still
 * readable is kept — this device's own unsynced entries included — the
 * damaged file is kept aside, entries after a gap wait, and one exchange
 * with a peer that holds the rest brings both devices to the same digest.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import { repairHome } from "../../src/storage/repair.ts";
import { exchange, makeHome, pairInProcess, type TestHome, writes } from "./helpers.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";

/** Flip bytes of the stored copy of `marker` inside the database file. */
async function flipInFile(path: string, marker: string): Promise<void> {
  const bytes = await Deno.readFile(path);
  const needle = new TextEncoder().encode(marker);
  let at = -1;
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    at = i;
    break;
  }
  assert.ok(at >= 0, `${marker} is in the file`);
  bytes[at] ^= 0x20;
  await Deno.writeFile(path, bytes);
}

async function checkpointAll(h: TestHome): Promise<void> {
  const w = await h.writer();
  w.close(); // closing the last connection folds the WAL into the main file
}

Deno.test("an entry's bytes flipped on disk: repair names it, keeps the rest, and one exchange restores all", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  await writes(a, 6, "synced");
  const ha = await a.writer(), hb = await b.writer();
  await exchange(ha, hb);
  await exchange(hb, ha);
  ha.close();
  hb.close();
  await writes(a, 4, "unsynced"); // only on a: must survive the repair
  await checkpointAll(a);
  await flipInFile(a.paths.db, "value-synced-2");
  const report = await repairHome(a.root, () => a.now);
  assert.ok(
    report.damage.some((d) => /does not (match its hash|follow)/.test(d)),
    report.damage.join("; "),
  );
  assert.ok(
    report.setAside && (await Deno.stat(report.setAside)).isFile,
    "the damaged database is kept",
  );
  assert.ok(report.waiting > 0, "entries after the gap wait");
  assert.ok(report.recoverOwnTo !== undefined, "own writes wait for the gap");
  const ra = await a.writer(), rb = await b.writer();
  await assert.rejects(
    ra.write((tx) => tx.commit([{ type: "app.add", name: "x" }])),
    /being recovered/,
  );
  await exchange(rb, ra); // b still has the damaged entry intact
  await exchange(ra, rb); // and gets a's unsynced writes
  assert.equal(ra.digest(), rb.digest());
  for (let i = 0; i < 4; i++) assert.equal(rb.view.pref(`unsynced${i}`), `value-unsynced-${i}`);
  for (let i = 0; i < 6; i++) assert.equal(ra.view.pref(`synced${i}`), `value-synced-${i}`);
  await ra.write((tx) => tx.commit([{ type: "app.add", name: "x" }])); // writes work again
  ra.close();
  rb.close();
});

Deno.test("sync now while the own log waits for lost entries says so and exits 3, also with no peer to ask", async () => {
  await using a = await makeHome(0, "a");
  await writes(a, 6, "mine");
  await checkpointAll(a);
  await flipInFile(a.paths.db, "value-mine-2");
  const report = await repairHome(a.root, () => a.now);
  assert.ok(report.recoverOwnTo !== undefined, report.damage.join("; "));
  const { mycel, describe } = await import("../helpers/mycel.ts");
  const args = ["--home", a.root, "sync", "now", "--timeout", "3"];
  const r = await mycel(args);
  assert.equal(r.code, 3, describe(args, r)); // before: 0, nothing said
  assert.match(
    r.stderr,
    /^note: this device's own log still lacks entries \d+–\d+ \(lost to damage, see `mycel repair`\): no peer that holds them was reached/m,
  );
  assert.match(r.stderr, /mycel repair --accept-loss/);
});

Deno.test("an intact home: repair finds nothing and changes nothing", async () => {
  await using a = await makeHome();
  await writes(a, 3, "k");
  const before = await a.reader();
  const digest = before.digest();
  before.close();
  const report = await repairHome(a.root, () => a.now);
  assert.deepEqual(report.damage, []);
  const after = await a.reader();
  assert.equal(after.digest(), digest);
  after.close();
});

Deno.test("a damaged page: SQLite's check finds it and every readable entry is kept", async () => {
  await using a = await makeHome();
  await writes(a, 200, "row");
  await checkpointAll(a);
  // Damage the b-tree header of a page in the middle of the log's entries
  // (a page picked by its place in the file could be the schema's second
  // page, and nothing is readable without the schema).
  const stat = new DatabaseSync(a.paths.db, { readOnly: true });
  const pages = stat.prepare("SELECT pageno FROM dbstat WHERE name = 'entries' ORDER BY pageno")
    .all() as { pageno: number }[];
  stat.close();
  const bytes = await Deno.readFile(a.paths.db);
  const page = 4096;
  const target = (pages[Math.floor(pages.length / 2)].pageno - 1) * page;
  bytes.fill(0xff, target, target + 16);
  await Deno.writeFile(a.paths.db, bytes);
  const report = await repairHome(a.root, () => a.now);
  assert.ok(report.damage.length > 0, "the damage is found");
  const h = await a.reader();
  assert.equal(h.integrity().length, 0, "the rebuilt database is intact");
  // What was readable is there; what was not waits for a peer (none here).
  assert.ok(report.kept + report.waiting + report.lost >= 200, JSON.stringify(report));
  assert.ok(report.kept > 0);
  h.close();
});

Deno.test("repair on a home never set up says to run init and creates nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "mycel-repair-none-" });
  try {
    const e = await assertRejectsMycel(repairHome(`${root}/home`, Date.now), "not_initialized");
    assert.match(e.message, /Cannot repair mycel home: it has not been set up/);
    assert.match(e.hint ?? "", /mycel init/);
    assert.deepEqual([...Deno.readDirSync(root)], []);
    await Deno.writeTextFile(`${root}/home.json`, "{}");
    const old = await assertRejectsMycel(repairHome(root, Date.now), "not_initialized");
    assert.match(old.message, /still in the format before the database/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a home brought up from a checkpoint keeps its base through repair: its peers' state and admissions, and one exchange restores all", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  await writes(a, 6, "from-a");
  const ha = await a.writer(), hb = await b.writer();
  // b holds a's history only as the checkpoint a sent (what a joiner gets).
  await hb.takeCheckpoint(await readCheckpoint(await ha.checkpoint()));
  ha.close();
  hb.close();
  await writes(b, 4, "own");
  {
    const ha2 = await a.writer(), hb2 = await b.writer();
    await exchange(hb2, ha2); // a holds b's writes intact
    ha2.close();
    hb2.close();
  }
  await checkpointAll(b);
  await flipInFile(b.paths.db, "value-own-1");
  const report = await repairHome(b.root, () => b.now);
  assert.ok(report.damage.length > 0, "the damage is found");
  const rb = await b.writer();
  // Before, the base was dropped: a's values, and a itself, were gone here.
  for (let i = 0; i < 6; i++) assert.equal(rb.view.pref(`from-a${i}`), `value-from-a-${i}`);
  assert.ok(rb.view.members().some((m) => m.record.key === a.device), "a is still a member here");
  const ra = await a.writer();
  await exchange(ra, rb);
  await exchange(rb, ra);
  assert.equal(rb.digest(), ra.digest());
  for (let i = 0; i < 4; i++) assert.equal(rb.view.pref(`own${i}`), `value-own-${i}`);
  await rb.write((tx) => tx.commit([{ type: "app.add", name: "x" }])); // writes work again
  ra.close();
  rb.close();
});

Deno.test("an unreadable checkpoint base is named as damage, not passed over", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  await writes(a, 3, "from-a");
  const ha = await a.writer(), hb = await b.writer();
  await hb.takeCheckpoint(await readCheckpoint(await ha.checkpoint()));
  ha.close();
  hb.close();
  await checkpointAll(b);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(b.paths.db);
  db.prepare("UPDATE base_state SET bytes = x'a0' WHERE id = 1").run();
  db.close();
  const report = await repairHome(b.root, () => b.now);
  // Before: "intact", or silently rebuilt without it.
  assert.ok(
    report.damage.some((d) => /the checkpoint this home started from cannot be read back/.test(d)),
    report.damage.join("; "),
  );
});

Deno.test({
  name: "repair refuses another user's home, as every command does, and changes nothing (root)",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using a = await makeHome();
    await writes(a, 3, "k");
    await checkpointAll(a);
    await flipInFile(a.paths.db, "value-k-1");
    const before = await Deno.readFile(a.paths.db);
    for (const f of [a.root, ...[...Deno.readDirSync(a.root)].map((e) => `${a.root}/${e.name}`)]) {
      await Deno.chown(f, 65534, 65534);
    }
    // Before, root's repair rebuilt it as a root-owned mycel.db its owner could not open.
    await assertRejectsMycel(
      () => repairHome(a.root, () => a.now, { env: () => undefined }),
      "foreign_home",
    );
    assert.deepEqual(await Deno.readFile(a.paths.db), before);
    assert.equal((await Deno.stat(a.paths.db)).uid, 65534);
  },
});
