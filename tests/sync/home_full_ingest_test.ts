/**
 * A home whose disk is full when a peer's entries arrive (a real tmpfs
 * mounted over the home for the test: root). SQLite writes a transaction's
 * pages out at its commit, so that is where a full disk is met; the round
 * must say the peer's entries were not taken in (a failed session: exit 1 with one peer),
 * not "synced, received 1" with exit 0 while nothing was stored — which it
 * did every round, acking the entries to the peer — and once there is room
 * again the next round brings them.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { devices } from "./_helpers.ts";
import { fillBut, homeOnTmpfs, IN_CI, ROOT } from "./_home_tmpfs.ts";

if (!ROOT && !IN_CI) console.log("home_full_ingest_test: skipped: mounting a tmpfs needs root");

Deno.test({
  name: "a peer's entries that a full home can't store fail the session (exit 1), " +
    "never 'synced, received'; with room again they arrive",
  ignore: !ROOT && !IN_CI,
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    await devs.peer(a, b);
    await a.serve();
    await b.syncAll();
    await using _disk = await homeOnTmpfs(b.home, "4m");
    // About 600 KB of config in one entry of a's, then b's disk filled but for 64 KiB.
    const bulk: Record<string, string> = {};
    for (let i = 0; i < 600; i++) bulk[`bulk.k${i}`] = "x".repeat(1000) + i;
    await a.write("config", "import", await a.tmp.writeFile("bulk.json", JSON.stringify(bulk)));
    const filler = await fillBut(b.home, 64 << 10);

    for (let round = 0; round < 2; round++) {
      const r = await b.syncNow();
      assert.equal(r.result.code, 1, describe(["sync", "now"], r.result));
      const o = r.of(a);
      assert.equal(o.status, "failed", JSON.stringify(o));
      assert.match(o.error ?? "", /the disk is full/);
    }
    assert.notEqual((await b.status()).counts.config, 600, "nothing was stored, as said");

    await Deno.remove(filler);
    await b.syncAll();
    assert.equal((await b.status()).counts.config, 600);
    await devs.assertConverged();
  },
});
