/**
 * @module checkpoint_test
 * Devices that start from, or catch up by, a signed checkpoint of the state
 * instead of the history (O(state), not O(history)), with real processes:
 * - a new device paired into a mesh with a long history gets the mesh's
 *   state as the inviter's checkpoint: the same values at once, none of the
 *   history's entries, and its first sync brings no old entries either;
 * - a device offline for a long time, whose peer holds many more entries it
 *   lacks than the state has rows, is sent a checkpoint instead of them (a
 *   small gap still gets entries); it keeps the writes it made offline, which
 *   go to the peer in the same round and from there to the others.
 * The histories are made in-process (appendBulk): thousands of writes to a
 * few keys, so the state stays small while the history grows.
 */

import assert from "node:assert/strict";
import type { TempHome } from "../helpers/mycel.ts";
import { device, pair } from "../pairing/_helpers.ts";
import { appendBulk, devices } from "./_helpers.ts";

const HISTORY = 6000; // past the 5000 entries below which entries always go as entries

async function config(t: TempHome): Promise<Record<string, unknown>> {
  return await t.json<Record<string, unknown>>(["config", "list", "--json"]);
}

Deno.test("a new device paired into a mesh with a long history gets the state by checkpoint", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await a.t.ok(["--no-sync", "pref", "set", "theme", "dark"]);
  await appendBulk(a.t.home, HISTORY, { keys: 10, prefix: "hist" });
  const sa = await a.status();
  assert.ok(sa.log.entries > HISTORY);

  const paired = await pair(a.t, b.t, "beta");
  b.id = paired.joinerId;
  assert.match(paired.joiner.stdout, /: received the mesh's state \(2 devices\)$/m);
  // The same values at once, from a handful of entries of its own.
  const sb = await b.status();
  assert.deepEqual(await config(b.t), await config(a.t));
  assert.deepEqual(
    await b.t.json(["pref", "list", "--json"]),
    await a.t.json(["pref", "list", "--json"]),
  );
  assert.ok(sb.log.entries < 5, `the newcomer holds ${sb.log.entries} entries`);
  // It knows where alpha's log stands (the checkpoint's frontier), without its entries.
  assert.ok(sb.log.heads[a.id].seq >= sa.log.heads[a.id].seq);

  // Its first sync: only what came after the checkpoint (alpha's admission of it).
  await b.setEndpoint();
  await a.serve();
  const round = await b.syncNow();
  assert.equal(round.code, 0, round.raw.stdout + round.raw.stderr);
  const o = round.outcomes[0];
  assert.equal(o.status, "synced");
  assert.ok(o.received <= 1, `received ${o.received} old entries`);
  assert.equal(o.checkpoint.received, false);
  assert.equal((await a.status()).state_digest, (await b.status()).state_digest);
  assert.ok((await b.status()).log.entries < 10);
});

Deno.test("a device long offline gets a checkpoint for a large gap and keeps its own unsent writes", async () => {
  await using devs = await devices(["home", "roamer", "third"]);
  const [home, roamer, third] = devs.list;
  await devs.peer(home, roamer);
  await devs.peer(home, third);
  await home.serve();
  await roamer.syncAll();
  await third.syncAll();

  // A small gap goes as entries.
  await home.write("pref", "set", "before", "trip");
  let round = await roamer.syncNow();
  assert.equal(round.of(home).status, "synced");
  assert.ok(round.of(home).received >= 1); // and what third sent home meanwhile
  assert.deepEqual(round.of(home).checkpoint, { sent: false, received: false });

  // The roamer goes offline for a long time; both sides write meanwhile.
  await home.stopServer();
  await appendBulk(home.home, HISTORY, { keys: 10, prefix: "while" });
  await home.write("pref", "set", "theme", "from-home");
  await roamer.write("pref", "set", "note", "written offline");
  await roamer.write("app", "add", "offline-app");
  await roamer.write("config", "set", "trip.days", "12");
  const roamerSeq = (await roamer.status()).log.heads[roamer.id].seq;

  await home.serve();
  round = await roamer.syncNow();
  const o = round.of(home);
  assert.equal(o.status, "synced", JSON.stringify(o));
  assert.equal(o.checkpoint.received, true, "a large gap comes as the state");
  assert.ok(o.received < 10, `received ${o.received} entries besides the state`);
  assert.equal(o.sent, 3, "its own writes went as entries");
  // Its heads now match home's exactly (third does not serve: exit 3).
  const text = await roamer.run(["sync", "now", "--timeout", "10"]);
  assert.match(text.stdout, /^home \([A-Z0-9]{7}\): synced: up to date via direct /m);

  // It holds the state, not the history, and kept what it wrote offline.
  const st = await roamer.status();
  assert.ok(st.log.entries < 50, `the roamer holds ${st.log.entries} entries`);
  assert.equal(st.log.heads[roamer.id].seq, roamerSeq);
  const prefs = await roamer.tmp.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(prefs.note, "written offline");
  assert.equal(prefs.theme, "from-home");
  assert.equal(prefs.before, "trip");
  assert.deepEqual(await config(roamer.tmp), await config(home.tmp));
  await devs.assertConverged([home, roamer]);

  // Its offline writes reach the others through the peer that took them.
  const last = await third.syncNow(); // (the roamer does not serve: exit 3)
  assert.equal(last.of(home).status, "synced");
  assert.equal(last.of(home).checkpoint.received, true, "third was as far behind");
  const thirdPrefs = await third.tmp.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(thirdPrefs.note, "written offline");
  assert.ok((await third.tmp.json<string[]>(["app", "list", "--json"])).includes("offline-app"));
  await devs.assertConverged([home, roamer, third]);
});
