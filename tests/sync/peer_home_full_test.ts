/**
 * The other side of home_full_ingest_test: the device whose disk is full
 * is the one serving, and the one that runs `sync now` sends it entries it
 * can't store. The server says why before it closes (an `error` message),
 * so the sender's line reads "b: failed: its disk is full", with the code
 * `peer_disk_full` in `--json` — before, all it saw was "the peer hung up
 * before it was done", which points at the network, not at b's disk.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { devices } from "./_helpers.ts";
import { fillBut, homeOnTmpfs, IN_CI, ROOT } from "./_home_tmpfs.ts";

if (!ROOT && !IN_CI) console.log("peer_home_full_test: skipped: mounting a tmpfs needs root");

Deno.test({
  name: "a round sending to a peer whose disk is full says so ('its disk is full', " +
    "code peer_disk_full), not that the peer hung up; with room again it syncs",
  ignore: !ROOT && !IN_CI,
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    await devs.peer(a, b);
    await using _disk = await homeOnTmpfs(b.home, "4m");
    await b.serve();
    await a.syncAll();
    // About 600 KB of config in one entry of a's, then b's disk filled but for 64 KiB.
    const bulk: Record<string, string> = {};
    for (let i = 0; i < 600; i++) bulk[`bulk.k${i}`] = "x".repeat(1000) + i;
    await a.write("config", "import", await a.tmp.writeFile("bulk.json", JSON.stringify(bulk)));
    const filler = await fillBut(b.home, 64 << 10);

    const r = await a.syncNow();
    assert.equal(r.result.code, 1, describe(["sync", "now"], r.result));
    const o = r.of(b);
    assert.equal(o.status, "failed", JSON.stringify(o));
    assert.match(o.error ?? "", /its disk is full/, JSON.stringify(o));
    assert.equal(o.code, "peer_disk_full", JSON.stringify(o));
    const text = await a.run(["sync", "now", "--timeout", "10"]);
    assert.match(text.stdout + text.stderr, /b \(\S+\): failed: its disk is full/, text.stderr);

    await Deno.remove(filler);
    await a.syncAll();
    await devs.assertConverged();
  },
});
