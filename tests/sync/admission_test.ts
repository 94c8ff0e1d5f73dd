/**
 * @module admission_test
 * Devices that are not admitted are refused by name on both sides: the
 * initiator's `sync now` line says refused with the reason, the server's
 * stderr line names the device (by its short id: an unknown device's name is
 * not known to the server), and nothing the refused device holds is applied.
 * Covers a device of another mesh, a device that learned A's card but was
 * never added by A, and a device A removed.
 */

import assert from "node:assert/strict";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { devices, snapshot } from "./_helpers.ts";

Deno.test("a device of another mesh is refused by name on both sides, nothing applied", async () => {
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
  assert.match(o.error ?? "", new RegExp(`belongs to mesh ${ss.mesh.id}, not ${vs.mesh.id}`));
  assert.equal(o.sent, 0);
  const text = await stranger.run(["sync", "now", "--timeout", "5"]);
  assert.match(text.stdout, /^victim \([A-Z0-9]{7}\): refused: .*belongs to mesh/m);

  await victim.stopServer();
  const line = victim.servers[0].stderr;
  const short = shortDeviceId(stranger.id);
  assert.match(line, new RegExp(`^refused device \\(${short}\\): .*belongs to mesh`, "m"));
  assert.deepEqual(await snapshot(victim), before);
  const st = await victim.status();
  assert.equal(st.peers.length, 0, "a refused stranger does not become a peer");
});

Deno.test("a device that knows A's card but was never added by A is refused as not a member", async () => {
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
  assert.match(o.error ?? "", new RegExp(`${shortDeviceId(x.id)}\\) is not a member of this mesh`));

  await a.stopServer();
  assert.match(
    a.servers[0].stderr,
    new RegExp(`^refused device \\(${shortDeviceId(x.id)}\\): .*is not a member`, "m"),
  );
  assert.deepEqual(await snapshot(a), before);
  const apps = await a.tmp.json<string[]>(["app", "list", "--json"]);
  assert.ok(!apps.includes("backdoor"));
});

Deno.test("a removed device is refused by name on both sides and its new changes are not applied", async () => {
  await using devs = await devices(["keeper", "gone"]);
  const [keeper, gone] = devs.list;
  await devs.peer(keeper, gone);
  await keeper.serve();
  await gone.syncAll();
  await keeper.write("mesh", "remove", "gone");
  await gone.write("pref", "set", "theme", "after-removal");
  const before = await snapshot(keeper);

  const r = await gone.syncNow();
  assert.equal(r.result.code, 1, r.result.stdout);
  assert.equal(r.of(keeper).status, "refused");
  assert.match(r.of(keeper).error ?? "", /gone \([A-Z0-9]{7}\) was removed from this mesh/);

  await keeper.stopServer();
  // The server knows the removed device's name and says it (in the reason).
  assert.match(
    keeper.servers[0].stderr,
    new RegExp(`^refused .*gone \\(${shortDeviceId(gone.id)}\\) was removed`, "m"),
  );
  assert.deepEqual(await snapshot(keeper), before);
});
