/**
 * @module rebase_process_test
 * With real processes on loopback: a device paired (by code) through a
 * device that had not heard of a removal starts from that device's state,
 * which holds the removed device's change made after its removal. Once it
 * meets a device that knows the removal and holds everything it holds, it
 * starts again from that device's checkpoint (a re-base,
 * src/storage/checkpoint_rebase.ts): the change is gone, its own write is
 * kept, `doctor` is clean, and every device shows one `state_digest`.
 * The in-process cases are in removal_checkpoint_test.ts and
 * thief_random_test.ts.
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";
import { pair } from "../pairing/_helpers.ts";
import { Device, devices, freePort } from "./_helpers.ts";

Deno.test("with real processes: a device paired through one that had not heard of a removal drops the removed device's later change once it meets one that had", async () => {
  await using devs = await devices(["p", "r", "z"]);
  const [p, r, z] = devs.list;
  await devs.peer(p, r);
  await devs.peer(p, z);
  await devs.peer(r, z);
  await p.serve();
  await r.serve();
  await z.write("pref", "set", "theme", "dark");
  for (const d of [r, z, r, z]) await d.syncNow();
  await devs.assertConverged();

  // z's change after its removal reaches only r; p removes z meanwhile.
  await p.stopServer();
  await z.write("pref", "set", "theme", "EVIL");
  assert.equal((await z.syncNow()).of(r).status, "synced");
  await r.stopServer();
  await p.write("mesh", "remove", "z", "--yes");

  // s pairs through r, which has not heard of the removal: s starts from r's state.
  const s = new Device("s", await tempHome("mycel-sync-s-"), freePort());
  devs.list.push(s);
  await pair(r.tmp, s.tmp, "s");
  assert.equal((await s.ok(["pref", "get", "theme"])).stdout.trim(), "EVIL");
  await s.write("pref", "set", "from-s", "kept");

  // r meets p (r hears of the removal, p of s), then s meets p.
  await p.serve();
  assert.equal((await r.syncNow()).of(p).status, "synced");
  // Its first session fails: not knowing the removal yet, s offers p its
  // state, which p refuses (it holds z past the cut); s hears of the removal.
  const first = await s.syncNow();
  assert.equal(first.of(p).status, "failed");
  assert.match(
    first.of(p).error ?? "",
    /the peer stopped: your checkpoint was refused: it holds changes of removed device \S+ made after its removal/,
  );
  assert.match(p.server?.stderr ?? "", /it holds changes of removed device/);
  const second = await s.syncNow();
  assert.equal(second.of(p).status, "synced", JSON.stringify(second.of(p)));
  assert.equal((await s.ok(["pref", "get", "theme"])).stdout.trim(), "dark");
  const doctor = await s.run(["doctor"]);
  assert.doesNotMatch(doctor.stdout, /made after it was removed/, doctor.stdout);
  // Everyone ends with one state, s's own write included, z's later change nowhere.
  await r.serve();
  for (const d of [r, s, r]) await d.syncNow();
  await devs.assertConverged([p, r, s]);
  for (const d of [p, r, s]) {
    assert.equal((await d.ok(["pref", "get", "from-s"])).stdout.trim(), "kept", d.name);
    assert.equal((await d.ok(["pref", "get", "theme"])).stdout.trim(), "dark", d.name);
  }
});
