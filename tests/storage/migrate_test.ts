/**
 * @module migrate_test
 * A home written by the mycel before the database (tests/fixtures/v1_home,
 * made with that code) is converted on first open, once, crash-safely:
 * every value it showed is still there, two migrated devices of one mesh
 * agree, and a kill -9 at any moment of the migration leaves the old home
 * or the new one, never neither.
 */

import assert from "node:assert/strict";
import { mycel, spawn, type StatusJson } from "../helpers/mycel.ts";
import { sleep } from "../helpers/process.ts";
import { rng } from "../helpers/random.ts";

const FIXTURE = new URL("../fixtures/v1_home/", import.meta.url).pathname;
const env = { MYCEL_NO_PUSH: "1" };

async function copyHome(name: string): Promise<{ dir: string; home: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-migrate-" });
  const home = `${dir}/${name}`;
  const r = await new Deno.Command("cp", { args: ["-a", `${FIXTURE}${name}`, home] }).output();
  assert.ok(r.success);
  await Deno.chmod(home, 0o700);
  return { dir, home, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

async function listJson(home: string, what: string): Promise<unknown> {
  const r = await mycel([what, "list", "--json"], { home, env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

async function expected(name: string, what: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(`${FIXTURE}${name}.${what}.json`));
}

Deno.test("a pre-database home shows the same prefs, config, apps, patterns and devices after migration", async () => {
  for (const name of ["laptop", "desktop"]) {
    await using c = await copyHome(name);
    const first = await mycel(["status", "--json"], { home: c.home, env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /converted .* to the database format \(23 entries\)/);
    for (const what of ["pref", "config", "app", "pattern"]) {
      assert.deepEqual(await listJson(c.home, what), await expected(name, what), `${name} ${what}`);
    }
    const st = JSON.parse(first.stdout) as StatusJson;
    const old = await expected(name, "status") as StatusJson;
    assert.equal(st.device.id, old.device.id);
    assert.equal(st.mesh.id, old.mesh.id);
    assert.equal(st.mesh.devices, old.mesh.devices);
    assert.equal(st.mesh.revoked, old.mesh.revoked);
    assert.deepEqual(
      Object.fromEntries(Object.entries(st.log.heads).map(([k, v]) => [k, v.seq])),
      Object.fromEntries(Object.entries(old.log.heads).map(([k, v]) => [k, v.seq])),
    );
    // Once: the old files moved aside, the next command says nothing about it.
    assert.ok((await Deno.stat(`${c.home}/legacy-v1/home.json`)).isFile);
    assert.equal(await Deno.stat(`${c.home}/home.json`).then(() => true, () => false), false);
    const again = await mycel(["status"], { home: c.home, env });
    assert.doesNotMatch(again.stderr, /converted/);
  }
});

Deno.test("two devices of one mesh, migrated apart, show the same state digest", async () => {
  await using a = await copyHome("laptop");
  await using b = await copyHome("desktop");
  const da =
    JSON.parse((await mycel(["status", "--json"], { home: a.home, env })).stdout).state_digest;
  const db =
    JSON.parse((await mycel(["status", "--json"], { home: b.home, env })).stdout).state_digest;
  assert.equal(da, db);
});

Deno.test("kill -9 at any moment of a migration leaves the old home or the new one, and the next open completes it", async () => {
  const random = rng(20261202);
  for (let trial = 0; trial < 24; trial++) {
    await using c = await copyHome("laptop");
    const p = spawn(["status", "--json"], { home: c.home, env });
    await sleep(Math.floor(random() * 900));
    p.kill("SIGKILL");
    await p.result();
    const hasDb = await Deno.stat(`${c.home}/mycel.db`).then((s) => s.isFile, () => false);
    const hasOld = await Deno.stat(`${c.home}/home.json`).then(() => true, () => false) ||
      await Deno.stat(`${c.home}/legacy-v1/home.json`).then(() => true, () => false);
    assert.ok(hasDb || hasOld, `trial ${trial}: neither home is left`);
    const oldLog = await Deno.stat(`${c.home}/log`).then(() => true, () => false) ||
      await Deno.stat(`${c.home}/legacy-v1/log`).then(() => true, () => false);
    assert.ok(oldLog, `trial ${trial}: the old log files must never be lost`);
    assert.deepEqual(
      await listJson(c.home, "pref"),
      await expected("laptop", "pref"),
      `trial ${trial}`,
    );
  }
});
