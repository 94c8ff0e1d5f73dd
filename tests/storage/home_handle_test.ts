/**
 * @module home_handle_test
 * The Home handle on a real SQLite file: what a write commits survives a
 * reopen; a failed write applies nothing; the clock never goes back; the
 * files are private; an empty database left by a crash is "no home"; links
 * planted in a home are refused.
 */

import assert from "node:assert/strict";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { openWritable } from "../../src/storage/db.ts";
import { ROUND_LOCK_FILE, tryRoundGuard } from "../../src/storage/round_lock.ts";
import { makeHome, modeOf, tempDir } from "./helpers.ts";
import { createHome } from "../../src/storage/home_create.ts";
import { newDeviceRecord } from "../../src/log/device_record.ts";
import { testKeys } from "../log/helpers.ts";

Deno.test("a committed change survives a reopen: same digest, heads and clock", async () => {
  await using h = await makeHome();
  const w = await h.writer();
  await w.write(async (tx) => {
    await tx.commit([{
      type: "pref.set",
      key: "theme",
      value: "dark",
      observed: tx.view.observed("prefs", "theme"),
    }]);
  });
  const before = { digest: w.digest(), head: w.log.head(h.device), clock: w.clock.last };
  w.close();
  const r = await h.reader();
  assert.equal(r.view.pref("theme"), "dark");
  assert.equal(r.digest(), before.digest);
  assert.deepEqual(r.log.head(h.device), before.head);
  assert.deepEqual(r.clock.last, before.clock);
  r.close();
});

Deno.test("a write that throws applies nothing: no entry, no state change", async () => {
  await using h = await makeHome();
  const w = await h.writer();
  const digest = w.digest();
  const head = w.log.head(h.device);
  await assert.rejects(
    w.write(async (tx) => {
      await tx.commit([{ type: "app.add", name: "git" }]);
      throw new Error("boom after the commit");
    }),
    /boom/,
  );
  assert.equal(w.digest(), digest);
  assert.deepEqual(w.log.head(h.device), head);
  assert.deepEqual(w.view.apps(), []);
  w.close();
});

Deno.test("the clock stays ahead of every own entry when the wall clock steps back", async () => {
  await using h = await makeHome();
  const w = await h.writer();
  h.now = 2_000_000_000_000;
  await w.write((tx) => tx.commit([{ type: "app.add", name: "a" }]));
  const first = w.log.decoded(h.device, w.log.head(h.device)!.seq - 1, 1)[0].entry.hlc;
  w.close();
  h.now = 1_000_000_000_000; // a year and more back
  const w2 = await h.writer();
  await w2.write((tx) => tx.commit([{ type: "app.add", name: "b" }]));
  const second = w2.log.decoded(h.device, w2.log.head(h.device)!.seq - 1, 1)[0].entry.hlc;
  assert.ok(
    second.wall > first.wall || (second.wall === first.wall && second.counter > first.counter),
    `${JSON.stringify(second)} after ${JSON.stringify(first)}`,
  );
  w2.close();
});

Deno.test("the home's folder is 0700 and its files 0600", async () => {
  await using h = await makeHome();
  const w = await h.writer();
  await w.write((tx) => tx.commit([{ type: "app.add", name: "x" }]));
  assert.equal(await modeOf(h.root), 0o700);
  for (const f of [h.paths.db, h.paths.keys]) assert.equal(await modeOf(f), 0o600, f);
  w.close();
});

Deno.test("an empty database left by a crash before the schema is no home at all", async () => {
  await using dir = await tempDir();
  const db = await openWritable(`${dir.path}/mycel.db`);
  db.close();
  assert.equal(await Home.exists(dir.path), false);
  await assertRejectsMycel(() => Home.open(dir.path), "not_initialized");
});

Deno.test("a symbolic link where the database's log would be is refused, and nothing is written through it", async () => {
  await using h = await makeHome();
  await using other = await tempDir();
  const victim = `${other.path}/victim`;
  await Deno.writeTextFile(victim, "precious");
  await Deno.remove(`${h.paths.db}-wal`).catch(() => {});
  await Deno.symlink(victim, `${h.paths.db}-wal`);
  await assertRejectsMycel(() => h.writer(), "unsafe_home");
  assert.equal(await Deno.readTextFile(victim), "precious");
});

Deno.test("a symbolic link at any file mycel opens in its home is refused, and nothing is written through it", async () => {
  // The database, its log and index, the key file, the round lock: each
  // replaced by a link to a file of someone else's (home_guard.ts, round_lock.ts).
  for (const name of ["db", "db-wal", "db-shm", "keys", "round.lock"]) {
    await using h = await makeHome();
    await using other = await tempDir();
    const victim = `${other.path}/victim`;
    await Deno.writeTextFile(victim, "precious");
    const path = name === "db"
      ? h.paths.db
      : name === "keys"
      ? h.paths.keys
      : name === "round.lock"
      ? `${h.root}/${ROUND_LOCK_FILE}`
      : `${h.paths.db}-${name.slice(3)}`;
    await Deno.remove(path).catch(() => {});
    await Deno.symlink(victim, path);
    if (name === "round.lock") await assertRejectsMycel(() => tryRoundGuard(h.root), "unsafe_home");
    else await assertRejectsMycel(() => h.writer(), "unsafe_home");
    assert.equal(await Deno.readTextFile(victim), "precious", `written through ${name}`);
  }
});

Deno.test("a home folder that is a link is refused", async () => {
  await using h = await makeHome();
  await using dir = await tempDir();
  const link = `${dir.path}/link`;
  await Deno.symlink(h.root, link);
  await assertRejectsMycel(() => Home.open(link), "unsafe_home");
});

Deno.test({
  name: "root refuses a user's home unless that user delegated it (sudo, or the system units)",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using h = await makeHome();
    await Deno.chown(h.root, 65534, 65534);
    const e = await assertRejectsMycel(
      () => Home.open(h.root, { write: true, env: () => undefined }),
      "foreign_home",
    );
    assert.match(e.hint ?? "", /sudo/);
    await assertRejectsMycel(
      () => Home.open(h.root, { env: (n) => (n === "SUDO_UID" ? "1234" : undefined) }),
      "foreign_home",
    );
    for (const name of ["SUDO_UID", "MYCEL_HOME_OWNER"]) {
      const home = await Home.open(h.root, {
        write: true,
        env: (n) => (n === name ? "65534" : undefined),
      });
      await home.write((w) => w.commit([{ type: "app.add", name: `git-${name}` }]));
      home.close();
      for (const f of [h.paths.db, h.paths.keys]) assert.equal((await Deno.stat(f)).uid, 65534, f);
    }
  },
});

if (Deno.uid() !== 0) {
  console.error("home_handle_test: the user's-home-under-root test needs root (it runs in CI)");
}

Deno.test({
  name:
    "a home made under sudo inside the user's folder is the user's, with the folders made for it",
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await tempDir();
    // The user's $HOME (uid 65534) with no ~/.local yet, and a root-owned folder beside it.
    const user = `${dir.path}/user`, system = `${dir.path}/system`;
    await Deno.mkdir(user);
    await Deno.chown(user, 65534, 65534);
    await Deno.mkdir(system);
    const keys = (await testKeys(1))[0];
    const make = (root: string) =>
      createHome(root, {
        keys,
        mesh: "testmesh",
        now: () => 1_700_000_000_000,
        env: (n) => (n === "SUDO_UID" ? "65534" : undefined),
        keyStore: "file",
        genesis: (key) => [{ type: "device.add", device: newDeviceRecord(key, keys, "dev") }],
      });
    const root = `${user}/.local/share/mycel`;
    await make(root);
    for (const p of [`${user}/.local`, `${user}/.local/share`, root, `${root}/mycel.db`]) {
      assert.equal((await Deno.lstat(p)).uid, 65534, `${p} (before: root's)`);
    }
    // Outside the user's folders (a system path given with --home), root keeps what it made.
    await make(`${system}/srv/mycel`);
    assert.equal((await Deno.lstat(`${system}/srv`)).uid, 0);
  },
});
