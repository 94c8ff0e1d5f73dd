/**
 * @module record_test
 * A device's record is its own, against a compromised member over the real
 * protocol (fixtures/rogue_peer.ts dialling a real `mycel sync serve`, with
 * entries it signs with its own admitted key):
 * - an entry updating another member's name, keys and endpoints is refused
 *   whole at decode (`foreign_update`), reported, and nothing is applied;
 * - an admission of that member again, backdated to 1970 so that every
 *   device keeps it, with the rogue's name, keys and endpoints, is stored
 *   (any member may admit) but changes no field of the record: the member
 *   published all of them itself;
 * - after the rogue also copies that member's Noise key into its own record
 *   (two records then name one key), the member still syncs: a key two
 *   records name goes to the device that announced it in its own first
 *   entry, never to a refusal that would lock the real device out.
 * Each time the member then syncs with the victim as before, under its own
 * name.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { type Device, devices, snapshot } from "./_helpers.ts";
import { rogueDials } from "./_rogue.ts";

/** `of`'s record as `d`'s home holds it (read-only, beside the running server). */
async function recordOn(d: Device, of: Device): Promise<DeviceRecord> {
  const home = await Home.open(d.home, { write: false });
  try {
    return home.view.member(DeviceKey.fromId(of.id))!.record;
  } finally {
    home.close();
  }
}

async function setup() {
  const devs = await devices(["victim", "rogue", "third"]);
  try {
    const [victim, rogue, third] = devs.list;
    await devs.peer(victim, rogue);
    await devs.peer(victim, third);
    await third.write("pref", "set", "owner", "third");
    await victim.serve();
    await third.syncNow();
    await rogue.syncNow(); // the rogue holds third's record now
    await devs.assertConverged([victim, rogue]);
    return devs;
  } catch (e) {
    await devs[Symbol.asyncDispose]();
    throw e;
  }
}

/** Third writes and syncs with the victim; the server names third; the victim shows the value. */
async function thirdStillSyncs(victim: Device, third: Device, value: string): Promise<void> {
  await third.write("pref", "set", "owner", value);
  const server = victim.server!;
  const from = server.stderr.length;
  const round = await third.syncNow();
  assert.equal(round.of(victim).status, "synced", JSON.stringify(round.of(victim)));
  await server.waitFor(/^synced with third \(/m, { stream: "stderr", from, timeoutMs: 15_000 });
  assert.equal((await victim.ok(["pref", "get", "owner"])).stdout.trim(), value);
}

Deno.test("a member cannot rewrite another device's record: a foreign update is refused, a backdated re-admission changes no field", async () => {
  await using devs = await setup();
  const [victim, rogue, third] = devs.list;
  const record = await recordOn(victim, third);
  const before = await snapshot(victim, { prefs: true });

  const server = victim.server!;
  let from = server.stderr.length;
  const foreign = await rogueDials(rogue, victim, "foreign_update", ["--as", third.id]);
  assert.deepEqual(foreign.stored, { accepted: 0, refused: 1 });
  const [line] = await server.waitFor(/^.*rogue.*$/m, {
    stream: "stderr",
    from,
    timeoutMs: 15_000,
  });
  assert.match(
    line,
    /^refused rogue \([A-Z0-9]{7}\): refused 1 entry: .*another device's record/,
  );
  assert.deepEqual(
    await snapshot(victim, { prefs: true }),
    before,
    "the foreign update was applied",
  );

  from = server.stderr.length;
  const readmit = await rogueDials(rogue, victim, "readmit", ["--as", third.id]);
  assert.deepEqual(readmit.stored, { accepted: 1, refused: 0 }, "any member may admit");
  await server.waitFor(/^synced with rogue/m, { stream: "stderr", from, timeoutMs: 15_000 });
  const rows = await victim.tmp.json<{ id: string; admitted: { by_name: string; at: string } }[]>(
    ["mesh", "list", "--json"],
  );
  const row = rows.find((r) => r.id === third.id)!;
  assert.deepEqual(
    [row.admitted.by_name, row.admitted.at],
    ["rogue", "1970-01-01T00:00:00.001Z"],
    "the backdated admission is the one kept",
  );
  assert.deepEqual(await recordOn(victim, third), record, "a field of third's record changed");
  await thirdStillSyncs(victim, third, "third-after-readmit");
});

Deno.test("a member copying another device's Noise key cannot lock that device out", async () => {
  await using devs = await setup();
  const [victim, rogue, third] = devs.list;
  const record = await recordOn(victim, third);
  const server = victim.server!;
  const from = server.stderr.length;
  const copy = await rogueDials(rogue, victim, "copy_noise_key", ["--as", third.id]);
  assert.deepEqual(copy.stored, { accepted: 1, refused: 0 });
  await server.waitFor(/^synced with rogue/m, { stream: "stderr", from, timeoutMs: 15_000 });
  assert.equal(
    (await recordOn(victim, rogue)).noiseKey,
    record.noiseKey,
    "two records name one key",
  );
  assert.deepEqual(await recordOn(victim, third), record);
  await thirdStillSyncs(victim, third, "third-after-copy");
});
