/**
 * A stolen device (thief) that, before hearing of its own removal, removes
 * the owner's devices and reaches one of them (server) first:
 * - a peer's refusal "this device was removed by thief" is only its word:
 *   the laptop, whose own state removed the thief, keeps working (before:
 *   it said it was removed, `sync now` failed after a synced round and
 *   `mesh add-device` was refused, so no replacement could be paired);
 * - the server, which took the thief's side, still takes the entries of the
 *   devices it refuses (sending them nothing), so the laptop's signed removal
 *   of the thief reaches it and the race rule (docs/trust.md) puts the thief
 *   out there too (before: the server refused everyone who heard the owner's
 *   side and went on syncing with the thief for good).
 * Found by an exploration helper. Real processes on loopback.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { type Device, devices } from "./_helpers.ts";

async function removedOn(d: Device): Promise<string[]> {
  const rows = await d.tmp.json<{ name: string; revoked: unknown }[]>(["mesh", "list", "--json"]);
  return rows.filter((r) => r.revoked !== null).map((r) => r.name).sort();
}

Deno.test("a thief that removed the owner's devices first does not keep the device it reached", async () => {
  await using devs = await devices(["laptop", "server", "thief", "desk"]);
  const [laptop, server, thief, desk] = devs.list;
  for (const d of [laptop, thief, desk]) await devs.peer(server, d);
  await server.serve();
  for (const d of [laptop, thief, desk, laptop, thief, desk]) {
    assert.equal((await d.syncNow()).of(server).status, "synced", d.name);
  }
  await devs.assertConverged();

  // The owner removes the thief on the laptop; the thief, not having heard,
  // removes the laptop and the desk and tells the server first.
  await laptop.write("mesh", "remove", "thief", "--yes");
  await thief.write("mesh", "remove", "laptop", "--yes");
  await thief.write("mesh", "remove", "desk", "--yes");
  assert.equal((await thief.syncNow()).of(server).status, "synced");
  assert.deepEqual(await removedOn(server), ["desk", "laptop"], "the server took the thief's side");

  const round = await laptop.syncNow();
  const o = round.of(server);
  assert.equal(o.status, "refused", JSON.stringify(o));
  assert.match(o.error ?? "", /was removed from the mesh by thief/);
  // The laptop's own state removed the thief: the refusal is the thief's side only.
  // (The peer's own words stay in its row; no note says this device was removed.)
  const st = await laptop.ok(["status"]);
  assert.doesNotMatch(st.stdout, /^note +this device was removed/m, st.stdout);
  const list = await laptop.ok(["mesh", "list"]);
  assert.doesNotMatch(list.stdout, /this device was removed/, list.stdout);
  const doctor = JSON.parse((await laptop.run(["doctor", "--json"])).stdout) as {
    findings: { check: string; ok: boolean }[];
  };
  assert.notEqual(doctor.findings.find((f) => f.check === "membership")?.ok, false);

  // The server refused the laptop but took its removal of the thief: the two
  // removals cut each other (a race), so both count there — the thief is out,
  // and so is the laptop; the thief's removal of the desk does not count.
  assert.deepEqual(await removedOn(server), ["laptop", "thief"], "before: desk, laptop");
  const back = await thief.syncNow();
  assert.equal(back.of(server).status, "refused", "the server refuses the thief now");
  assert.equal((await desk.syncNow()).of(server).status, "synced");
  assert.deepEqual(await removedOn(desk), ["laptop", "thief"]);
  await devs.assertConverged([server, desk]);

  // The laptop can still pair a replacement: a code is shown (it expires unused).
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
