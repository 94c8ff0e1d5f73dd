/**
 * @module device_sessions_test
 * One member device holding sessions open against a real `sync serve
 * --listen` (two dripping valid messages, never ending, as a stolen device
 * may): a third session of that device is refused as busy at once; other
 * members still sync; once the held sessions end, the device syncs again.
 * Before, authenticated sessions were never evicted and had no per-device
 * cap: one device dialling from 8 addresses held all 32 slots until the
 * session deadline.
 */

import assert from "node:assert/strict";
import { MAX_PER_DEVICE } from "../../src/protocol/connection_limits.ts";
import { DeviceSessions } from "../../src/sync/device_sessions.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { devices } from "./_helpers.ts";
import { rogueDials } from "./_rogue.ts";

Deno.test("DeviceSessions: at most max a device, released once each; other devices unaffected", () => {
  const a = DeviceKey.of(new Uint8Array(32).fill(1));
  const b = DeviceKey.of(new Uint8Array(32).fill(2));
  const sessions = new DeviceSessions(2);
  const one = sessions.take(a);
  const two = sessions.take(a);
  assert.ok("release" in one && "release" in two);
  const third = sessions.take(a);
  assert.ok("busy" in third);
  assert.match(third.busy, /serves 2 sessions of yours already/);
  assert.ok("release" in sessions.take(b), "another device still gets in");
  one.release();
  one.release();
  assert.equal(sessions.of(a), 1, "a release counts once");
  assert.ok("release" in sessions.take(a));
  assert.ok("busy" in sessions.take(a));
});

Deno.test("a member opening more sessions than the cap at once: the one past it is refused as busy, others sync, and it syncs once they end", async () => {
  await using devs = await devices(["target", "holder", "other"]);
  const [target, holder, other] = devs.list;
  await devs.peer(target, holder);
  await devs.peer(target, other);
  const deadline = 8;
  const server = await target.serve(deadline, {
    env: { MYCEL_SESSION_DEADLINE: String(deadline) },
  });
  // One more dripping session of the holder's than the cap; each lasts the
  // session deadline, so all of them overlap (they start within a second).
  const drips = Array.from(
    { length: MAX_PER_DEVICE + 1 },
    () => rogueDials(holder, target, "drip"),
  );
  let reports;
  try {
    await server.waitFor(/^refused holder \(\w+\): this device serves 2 sessions/m, {
      stream: "stderr",
      timeoutMs: deadline * 1000,
    });
    // Its own round may also try the holder it learned of (no server: exit 3).
    const others = await other.syncNow();
    assert.equal(others.of(target).status, "synced", JSON.stringify(others.outcomes));
  } finally {
    reports = await Promise.all(drips);
  }
  const refused = reports.filter((d) => d.reply !== "ok");
  assert.equal(refused.length, 1, JSON.stringify(reports));
  assert.match(String(refused[0].error), /serves 2 sessions of yours already/);
  // The held sessions ended at the deadline: the holder gets in again.
  const after = await holder.syncNow();
  assert.equal(after.of(target).status, "synced", JSON.stringify(after.outcomes));
});
