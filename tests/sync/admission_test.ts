/**
 * @module admission_test
 * Devices that are not admitted are refused, and nothing they hold is
 * applied. A device that is not a member (of another mesh, or one that
 * learned A's card but was never added by A) gets one generic refusal that
 * names no mesh, no device and nothing else; the server's stderr line names
 * it only by the address it came from (it proved a Noise key, which is no
 * device the server knows). A device A removed proved its key, so it is
 * told plainly who removed it and when; the server's line names it.
 */

import assert from "node:assert/strict";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { GENERIC_REFUSAL } from "../../src/protocol/sync_hello.ts";
import { devices, snapshot } from "./_helpers.ts";

const GENERIC = GENERIC_REFUSAL.message;

Deno.test("a device of another mesh gets the generic refusal, learns no mesh id, nothing applied", async () => {
  await using devs = await devices(["victim", "stranger", "friend"]);
  const [victim, stranger, friend] = devs.list;
  await devs.peer(stranger, friend); // the stranger's own mesh has two members
  await stranger.write("mesh", "add-peer", await victim.card()); // one-sided
  await stranger.write("pref", "set", "theme", "evil");
  await stranger.write("config", "set", "shell.rc", '"rm -rf ~"');
  const before = await snapshot(victim);
  const [vs, ss] = [await victim.status(), await stranger.status()];
  assert.notEqual(vs.mesh.id, ss.mesh.id);

  await victim.serve();
  const r = await stranger.syncNow();
  assert.equal(r.result.code, 1, r.result.stdout);
  const o = r.of(victim);
  assert.equal(o.status, "refused");
  assert.equal(o.error, GENERIC);
  assert.equal(o.sent, 0);
  const text = await stranger.run(["sync", "now", "--timeout", "5"]);
  assert.match(text.stdout, new RegExp(`^victim \\([A-Z0-9]{7}\\): refused: ${GENERIC}$`, "m"));
  assert.ok(!text.stdout.includes(vs.mesh.id), "the refusal names the victim's mesh");

  await victim.stopServer();
  const line = victim.servers[0].stderr;
  assert.match(line, new RegExp(`^refused 127\\.0\\.0\\.1:\\d+: ${GENERIC}$`, "m"));
  assert.deepEqual(await snapshot(victim), before);
  const st = await victim.status();
  assert.equal(st.peers.length, 0, "a refused stranger does not become a peer");
});

Deno.test("a device that knows A's card but was never added by A gets the generic refusal", async () => {
  await using devs = await devices(["aa", "bb", "xx"]);
  const [a, b, x] = devs.list;
  await devs.peer(a, b);
  // X joins A's mesh from A's card (A's mesh has two members), A never adds X.
  const joined = await x.write("mesh", "add-peer", await a.card());
  assert.match(joined.stdout, /joined mesh/);
  assert.equal((await x.status()).mesh.id, (await a.status()).mesh.id);
  await x.write("pref", "set", "theme", "intruder");
  await x.write("app", "add", "backdoor");
  const before = await snapshot(a);

  await a.serve();
  const r = await x.syncNow();
  assert.equal(r.result.code, 1, r.result.stdout);
  const o = r.of(a);
  assert.equal(o.status, "refused");
  assert.equal(o.error, GENERIC);

  await a.stopServer();
  assert.match(a.servers[0].stderr, new RegExp(`^refused 127\\.0\\.0\\.1:\\d+: ${GENERIC}$`, "m"));
  assert.ok(!a.servers[0].stderr.includes(shortDeviceId(x.id)), "the server cannot name X");
  assert.deepEqual(await snapshot(a), before);
  const apps = await a.tmp.json<string[]>(["app", "list", "--json"]);
  assert.ok(!apps.includes("backdoor"));
});

Deno.test("a removed device is told who removed it and when, the server names it, its new changes are not applied", async () => {
  await using devs = await devices(["keeper", "gone"]);
  const [keeper, gone] = devs.list;
  await devs.peer(keeper, gone);
  await keeper.serve();
  await gone.syncAll();
  await keeper.write("mesh", "remove", "gone", "--yes");
  await gone.write("pref", "set", "theme", "after-removal");
  const before = await snapshot(keeper);

  const r = await gone.syncNow();
  assert.equal(r.result.code, 1, r.result.stdout);
  assert.equal(r.of(keeper).status, "refused");
  const removed =
    /^this device was removed from the mesh by keeper at \d{4}-\d\d-\d\dT[\d:.]+Z; pair it again to rejoin$/;
  assert.match(r.of(keeper).error ?? "", removed);

  await keeper.stopServer();
  // The server knows the removed device's name and says it.
  assert.match(
    keeper.servers[0].stderr,
    new RegExp(`^refused gone \\(${shortDeviceId(gone.id)}\\): this device was removed`, "m"),
  );
  assert.deepEqual(await snapshot(keeper), before);
});
