/**
 * @module compaction_offline_test
 * A device offline across a compaction, with real processes on loopback:
 * while it is away the others compact (only what it held when it left:
 * it still counts as a device of the mesh) and write a long history; when
 * it comes back it gets the state as a checkpoint, keeps the changes it
 * made offline (they reach the others), and once every device holds
 * everything, the rest of the history is compacted too. `mycel log` on
 * each side says where each device's history starts, and why.
 */

import assert from "node:assert/strict";
import type { LogEntryJson } from "../helpers/mycel.ts";
import { appendBulk, type Device, devices } from "./_helpers.ts";

const HISTORY = 6000; // past the 5000 entries below which a device always gets entries

interface CompactJson {
  dropped: number;
  chains: { name: string; from: number; to: number }[];
}

/** `sync now` on `d`, which must sync with home (the others do not serve). */
async function syncHome(d: Device, home: Device) {
  const round = await d.syncNow();
  assert.equal(round.of(home).status, "synced", JSON.stringify(round.outcomes));
  return round;
}

Deno.test("a device offline across a compaction catches up by checkpoint and keeps its offline changes", async () => {
  await using devs = await devices(["home", "roamer", "third"]);
  const [home, roamer, third] = devs.list;
  await devs.peer(home, roamer);
  await devs.peer(home, third);
  await home.serve();
  for (const d of [roamer, third, roamer, third]) await syncHome(d, home); // all hold all
  const left = (await roamer.status()).log.heads;

  // The roamer leaves. The others write, and compact what every device holds.
  await third.write("pref", "set", "from", "third");
  await syncHome(third, home);
  const first = await home.tmp.json<CompactJson>(["sync", "compact", "--keep", "0", "--json"]);
  assert.ok(first.dropped > 0, "what the roamer held when it left goes");
  const homeHeads = (await home.status()).log.heads;
  assert.equal(homeHeads[home.id].seq, left[home.id].seq, "home wrote nothing new yet");
  await appendBulk(home.home, HISTORY, { keys: 10, prefix: "while" });
  await syncHome(third, home);
  const held = await home.tmp.json<CompactJson>(["sync", "compact", "--keep", "0", "--json"]);
  assert.deepEqual(
    held.chains.filter((c) => c.name === "home"),
    [],
    "home's new history stays: the roamer lacks it",
  );

  // Offline, the roamer writes too.
  await roamer.write("pref", "set", "note", "written offline");
  await roamer.write("app", "add", "offline-app");

  const round = await roamer.syncNow();
  const o = round.of(home);
  assert.equal(o.status, "synced", JSON.stringify(o));
  assert.equal(o.checkpoint.received, true, "far behind, it gets the state");
  assert.equal(o.sent, 2, "its offline changes go as entries");
  const prefs = await roamer.tmp.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(prefs.note, "written offline");
  assert.equal(prefs.from, "third");
  await devs.assertConverged([home, roamer]);
  await syncHome(third, home);
  await syncHome(roamer, home);
  await devs.assertConverged();
  assert.ok((await third.tmp.json<string[]>(["app", "list", "--json"])).includes("offline-app"));

  // Every device holds everything now: the long history goes on home too.
  const last = await home.tmp.json<CompactJson>(["sync", "compact", "--keep", "0", "--json"]);
  assert.ok(last.dropped >= HISTORY, `dropped ${last.dropped}`);
  await devs.assertConverged();
  assert.ok((await home.status()).log.entries < 20);
  assert.deepEqual(await home.tmp.json<LogEntryJson[]>(["log", "--json"]), []);
  const homeLog = (await home.ok(["log"])).stdout;
  assert.match(
    homeLog,
    /^\(home's changes up to #\d+ were compacted on .*: every device had them/m,
  );
  assert.match(homeLog, /^\(roamer's changes up to #\d+ were compacted on /m);
  const roamerLog = (await roamer.ok(["log"])).stdout;
  assert.match(
    roamerLog,
    /^\(home's changes up to #\d+ are not kept here: they came as the state, in home's checkpoint of /m,
  );
});
