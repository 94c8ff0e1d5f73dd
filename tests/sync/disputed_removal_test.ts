/**
 * A peer's refusal "this device was removed by T" is only its word: when
 * this device's own state has removed T (a stolen device removing the
 * owner's devices before it heard of its own removal), the refusal is
 * disputed, and this device keeps working — before, found by an exploration
 * helper, the owner's devices said they were removed, `sync now` failed
 * after a synced round and `mesh add-device` was refused on every one of
 * them, so no replacement could be paired. Real processes on loopback.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { devices } from "./_helpers.ts";

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
