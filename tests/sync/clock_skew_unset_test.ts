/**
 * @module clock_skew_unset_test
 * More of time used as a weapon, with real clocks (libfaketime, see
 * clock_skew_test) over real `sync now` / `sync serve` rounds:
 * - `pref unset` and `config unset` remove every value their device showed,
 *   even one stamped a day ahead (by a device whose clock runs ahead) and one
 *   stamped near the end of time (by a compromised device), on a device with
 *   the right clock and on one a year behind: after sync the key is not set
 *   on any device, and `pref list` / `config list` agree everywhere;
 * - a device that ran with its clock a day ahead and then had it fixed: a
 *   write that saw its value wins everywhere at once, and its own later
 *   write replaces its earlier one and is stamped after it (its stamps never
 *   go back). What its stamps still decide is documented (docs/trust.md
 *   "Time", `status`/`doctor`: "its changes win ties with concurrent changes
 *   until time catches up"): a write made without seeing its newest one loses
 *   to it, until a device writes after seeing both.
 * Outside CI the tests are skipped, saying why, when libfaketime is missing.
 */

import assert from "node:assert/strict";
import type { LogEntryJson } from "../helpers/mycel.ts";
import { type Device, type Devices, devices } from "./_helpers.ts";
import {
  DAY,
  END_OF_TIME,
  fakeClock,
  forgeAtEndOfTime,
  near,
  ownNewest,
  requireLibfaketime,
  sayWhySkipped,
  SKIP,
  YEAR,
} from "./_clock_skew.ts";

sayWhySkipped("clock_skew_unset_test");

type Group = "pref" | "config";

/** What `GROUP get KEY` answers on `d`: the value, or undefined for "no such key" (exit 2). */
async function shown(d: Device, group: Group, key: string): Promise<string | undefined> {
  const r = await d.run([group, "get", key]);
  if (r.code === 0) return r.stdout.trim();
  assert.equal(r.code, 2, `${d.name}: ${group} get ${key}: ${r.stderr}`);
  const noun = group === "pref" ? "preference" : "config key";
  assert.match(r.stderr, new RegExp(`Cannot get ${noun}: no such key \\(${key}\\)`), d.name);
  return undefined;
}

/** `GROUP list --json` on `d`. */
async function list(d: Device, group: Group): Promise<Record<string, unknown>> {
  return JSON.parse((await d.ok([group, "list", "--json"])).stdout);
}

/** Every device syncs once with the hub (which serves), in this order; each must sync. */
async function syncAll(hub: Device, ds: Device[]): Promise<void> {
  for (const d of ds) {
    const round = await d.syncNow();
    assert.equal(round.of(hub).status, "synced", `${d.name}: ${JSON.stringify(round.outcomes)}`);
  }
}

/** `a` is stamped before `b` (wall, then counter). */
function stampedBefore(a: LogEntryJson, b: LogEntryJson): boolean {
  return a.hlc[0] < b.hlc[0] || (a.hlc[0] === b.hlc[0] && a.hlc[1] < b.hlc[1]);
}

Deno.test({
  name:
    "pref unset and config unset remove values stamped a day ahead and at the end of time, on every device, from a right clock and from one a year behind",
  ignore: SKIP,
  async fn() {
    requireLibfaketime();
    await using devs = await devices(["hub", "rogue"]);
    const [hub, rogue] = devs.list;
    const fast = await devs.add("fast", undefined, { env: fakeClock("+1d") });
    const slow = await devs.add("slow", undefined, { env: fakeClock("-365d") });
    for (const d of [rogue, fast, slow]) await devs.peer(hub, d);
    const all = [hub, rogue, fast, slow];
    await hub.serve();

    // The device a day ahead writes both keys.
    await fast.write("pref", "set", "theme", "from-fast");
    await fast.write("config", "set", "editor.font", "from-fast");
    const fastWrite = await ownNewest(fast);
    near(fastWrite.hlc[0], Date.now() + DAY, "fast's write");
    // The compromised device writes both concurrently, stamped near the end of time.
    await forgeAtEndOfTime(rogue, [
      { type: "pref.set", key: "theme", value: "doom", observed: [] },
      { type: "config.set", key: "editor.font", value: "doom", observed: [] },
    ]);
    await syncAll(hub, [fast, rogue]);

    // The hub (the right clock) shows the newest stamp of the two and unsets the pref.
    assert.equal(await shown(hub, "pref", "theme"), "doom");
    assert.equal(
      (await hub.ok(["--no-sync", "pref", "unset", "theme"])).stdout.trim(),
      "removed theme",
    );
    const hubUnset = await ownNewest(hub);
    assert.deepEqual(hubUnset.ops.map((o) => o.type), ["pref.unset"]);
    near(hubUnset.hlc[0], Date.now(), "the hub's unset");
    assert.equal(await shown(hub, "pref", "theme"), undefined);

    // The device a year behind has seen both config values and unsets the key.
    await syncAll(hub, [slow]);
    assert.equal(await shown(slow, "config", "editor.font"), "doom");
    assert.equal(await shown(slow, "pref", "theme"), undefined, "the hub's unset reached slow");
    await slow.write("config", "unset", "editor.font");
    const slowUnset = await ownNewest(slow);
    near(slowUnset.hlc[0], Date.now() - YEAR, "slow's unset");
    assert.equal(await shown(slow, "config", "editor.font"), undefined);

    // Both unsets are stamped before what they removed: only what they saw decides.
    const doom = (await hub.log()).find((e) => e.device === rogue.id && e.hlc[0] === END_OF_TIME);
    assert.ok(doom !== undefined, "the hub holds the end-of-time entry");
    for (const unset of [hubUnset, slowUnset]) {
      assert.ok(
        stampedBefore(unset, fastWrite) && stampedBefore(unset, doom),
        String(unset.ops[0].type),
      );
    }

    // After sync, neither key is set on any device, and the lists agree.
    await syncAll(hub, [slow, fast, rogue]);
    for (const d of all) {
      assert.equal(await shown(d, "pref", "theme"), undefined, `${d.name}: pref theme`);
      assert.equal(await shown(d, "config", "editor.font"), undefined, `${d.name}: config`);
      assert.deepEqual(await list(d, "pref"), {}, `${d.name}: pref list`);
      assert.deepEqual(await list(d, "config"), {}, `${d.name}: config list`);
    }
    await devs.assertConverged();
  },
});

/**
 * Devices `hub` (serving), `other` and `box`, all with the right clock,
 * except that `box` first wrote `theme` and `font` (value "future") with its
 * clock a day ahead; then its clock was fixed and it synced. Returns `box`'s
 * two entries.
 */
async function formerlyFast(devs: Devices): Promise<LogEntryJson[]> {
  const [hub, other, box] = devs.list;
  await devs.peer(hub, other);
  await devs.peer(hub, box);
  await hub.serve();
  const ahead = { env: fakeClock("+1d") };
  await box.ok(["--no-sync", "pref", "set", "theme", "future"], ahead);
  const theme = await ownNewest(box);
  await box.ok(["--no-sync", "pref", "set", "font", "future"], ahead);
  const font = await ownNewest(box);
  near(theme.hlc[0], Date.now() + DAY, "box's write a day ahead");
  await syncAll(hub, [box, other]);
  for (const d of devs.list) assert.equal(await shown(d, "pref", "theme"), "future", d.name);
  return [theme, font];
}

Deno.test({
  name:
    "after a fast clock is fixed: a write that saw its day-ahead value wins everywhere at once, and that device's own next writes win too, stamped after its earlier ones",
  ignore: SKIP,
  async fn() {
    requireLibfaketime();
    await using devs = await devices(["hub", "other", "box"]);
    const [hub, other, box] = devs.list;
    const [future] = await formerlyFast(devs);

    // Another device, having seen "future", sets theme: stamped a day before it, it wins.
    await other.write("pref", "set", "theme", "from-other");
    const otherWrite = await ownNewest(other);
    near(otherWrite.hlc[0], Date.now(), "other's write");
    assert.ok(
      stampedBefore(otherWrite, future),
      "other's write is stamped before the one it replaced",
    );
    await syncAll(hub, [other, box]);
    for (const d of devs.list) assert.equal(await shown(d, "pref", "theme"), "from-other", d.name);

    // The formerly fast device, its clock right now, sets theme and font again.
    // Its stamps never go back: each new one follows its last (still a day
    // ahead); and its write replaces its own earlier value on font.
    let last = await ownNewest(box);
    for (const key of ["theme", "font"]) {
      await box.write("pref", "set", key, "box-fixed");
      const mine = await ownNewest(box);
      assert.ok(stampedBefore(last, mine), `box's ${key} write is stamped after its last`);
      near(mine.hlc[0], Date.now() + DAY, `box's ${key} write keeps its last wall time`);
      last = mine;
    }
    await syncAll(hub, [box, other]);
    for (const d of devs.list) {
      assert.deepEqual(await list(d, "pref"), { font: "box-fixed", theme: "box-fixed" }, d.name);
    }
    await devs.assertConverged();
  },
});

Deno.test({
  name:
    "while a formerly fast device's stamps still run ahead, its write beats a concurrent one made without seeing it, until a device writes after seeing both",
  ignore: SKIP,
  async fn() {
    requireLibfaketime();
    await using devs = await devices(["hub", "other", "box"]);
    const [hub, other, box] = devs.list;
    await formerlyFast(devs);
    assert.ok((await box.status()).stamps_ahead_ms !== null, "box says its stamps run ahead");

    // Neither sees the other's write: box's, stamped a day ahead, is shown everywhere,
    // even on the device that wrote later in real time.
    await box.write("pref", "set", "theme", "box-ahead");
    await other.write("pref", "set", "theme", "other-concurrent");
    await syncAll(hub, [box, other, box]);
    for (const d of devs.list) assert.equal(await shown(d, "pref", "theme"), "box-ahead", d.name);
    // Nothing is lost: every device holds both writes.
    for (const d of devs.list) {
      const values = (await d.log()).flatMap((e) => e.ops.map((o) => o.value));
      assert.ok(values.includes("other-concurrent") && values.includes("box-ahead"), d.name);
    }

    // A write made after seeing both replaces both, whatever the stamps.
    await other.write("pref", "set", "theme", "settled");
    assert.ok(stampedBefore(await ownNewest(other), await ownNewest(box)));
    await syncAll(hub, [other, box]);
    for (const d of devs.list) assert.equal(await shown(d, "pref", "theme"), "settled", d.name);
    await devs.assertConverged();
  },
});
