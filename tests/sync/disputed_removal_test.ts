/**
 * A peer's refusal "this device was removed by T" is only its word: when
 * this device's own state has removed T (a stolen device removing the
 * owner's devices before it heard of its own removal), the refusal is
 * disputed, and this device keeps working — before, found by an exploration
 * helper, the owner's devices said they were removed, `sync now` failed
 * after a synced round and `mesh add-device` was refused on every one of
 * them, so no replacement could be paired. A live device of the remover's
 * name makes the refusal believed (found by the review helper). And a member
 * takes nothing from a device it removed: a thief shut out cannot start a
 * removal race later (the review helper's case against a reverted change).
 * Real processes on loopback.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { type Device, devices } from "./_helpers.ts";

async function removedOn(d: Device): Promise<string[]> {
  const rows = await d.tmp.json<{ name: string; revoked: unknown }[]>(["mesh", "list", "--json"]);
  return rows.filter((r) => r.revoked !== null).map((r) => r.name).sort();
}

Deno.test("a refusal naming a remover this device has removed does not make it think it was removed", async () => {
  await using devs = await devices(["laptop", "server", "thief"]);
  const [laptop, server, thief] = devs.list;
  for (const d of [laptop, thief]) await devs.peer(server, d);
  await server.serve();
  for (const d of [laptop, thief, laptop]) {
    assert.equal((await d.syncNow()).of(server).status, "synced", d.name);
  }
  await devs.assertConverged();

  // The owner removes the thief on the laptop; the thief, not having heard,
  // removes the laptop and tells the server first.
  await laptop.write("mesh", "remove", "thief", "--yes");
  await thief.write("mesh", "remove", "laptop", "--yes");
  assert.equal((await thief.syncNow()).of(server).status, "synced");

  const round = await laptop.syncNow();
  const o = round.of(server);
  assert.equal(o.status, "refused", JSON.stringify(o));
  assert.match(o.error ?? "", /was removed from the mesh by thief/);
  // The laptop's own state removed the thief: the refusal is the thief's side only.
  const st = await laptop.ok(["status"]);
  // (The peer's own words stay in its row; no note says this device was removed.)
  assert.doesNotMatch(st.stdout, /^note +this device was removed/m, st.stdout);
  const list = await laptop.ok(["mesh", "list"]);
  assert.doesNotMatch(list.stdout, /this device was removed/, list.stdout);
  const doctor = JSON.parse((await laptop.run(["doctor", "--json"])).stdout) as {
    findings: { check: string; ok: boolean }[];
  };
  assert.notEqual(doctor.findings.find((f) => f.check === "membership")?.ok, false);
  // It can still pair a replacement: a code is shown (it expires unused).
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const args = ["mesh", "add-device", "--listen", `127.0.0.1:${port}`, "--ttl", "1s", "--yes"];
  const add = await laptop.run(args);
  assert.doesNotMatch(
    add.stderr,
    /Cannot add device: this device was removed/,
    describe(args, add),
  );
  assert.match(add.stdout + add.stderr, /MYCEL-/, describe(args, add));
});

Deno.test("a refusal naming a remover is believed when a device still in the mesh has that name (a device paired again keeps its name)", async () => {
  await using devs = await devices(["desk", "laptop"]);
  const [desk, laptop] = devs.list;
  const olddesk = await devs.add("desk"); // the desk before it was paired again: same name, old key
  await devs.peer(desk, laptop);
  await devs.peer(desk, olddesk);
  await desk.serve();
  for (const d of [laptop, olddesk, laptop]) await d.syncNow();
  await desk.write("mesh", "remove", olddesk.id.slice(0, 12), "--yes");
  await laptop.syncNow(); // it learns the old desk's removal
  await desk.write("mesh", "remove", "laptop", "--yes");
  const r = await laptop.run(["sync", "now"]);
  assert.equal(r.code, 1, describe(["sync", "now"], r));
  assert.match(r.stderr, /Cannot sync: this device was removed from the mesh by desk/);
  const st = await laptop.ok(["status"]);
  assert.match(st.stdout, /^note +this device was removed/m, "before: taken as disputed");
  const rm = await laptop.run(["mesh", "remove", "desk", "--yes"]);
  assert.equal(rm.code, 1, describe(["mesh", "remove"], rm));
});

Deno.test("a thief removed and shut out cannot later take out its remover or bring back another removed device", async () => {
  await using devs = await devices(["laptop", "server", "thief", "phone"]);
  const [laptop, server, thief, phone] = devs.list;
  for (const d of [laptop, thief, phone]) await devs.peer(server, d);
  await server.serve();
  for (const d of [laptop, thief, phone, laptop, thief, phone]) await d.syncNow();
  await devs.assertConverged();
  // The owner removes both stolen devices on the laptop; the server hears it.
  await laptop.write("mesh", "remove", "thief", "--yes");
  await laptop.write("mesh", "remove", "phone", "--yes");
  assert.equal((await laptop.syncNow()).of(server).status, "synced");
  assert.deepEqual(await removedOn(server), ["phone", "thief"]);
  // Later the thief writes a removal of the laptop (as if it had not seen the
  // laptop's removal of it) and calls the server: refused, nothing taken.
  await thief.write("mesh", "remove", "laptop", "--yes");
  assert.equal((await thief.syncNow()).of(server).status, "refused");
  assert.deepEqual(
    await removedOn(server),
    ["phone", "thief"],
    "the laptop stays, the phone stays out",
  );
  assert.equal((await phone.syncNow()).of(server).status, "refused");
});
