/**
 * @module spool_disk_full_test
 * A `sync serve` whose disk fills while it cuts its state into parts for a
 * peer (the parts wait in a spool file in its home: src/storage/parts_spool.ts)
 * says so, both ways: its line names the full disk, not an `internal` error
 * ("No space left on device (os error 28)"), and the peer's round reads
 * `peer_disk_full`, not that the peer hung up (which points at the network).
 *
 * Real processes on 127.0.0.1; alpha's home on a small tmpfs mounted for the
 * test (root), filled but for less than its state; beta behind a compaction
 * of alpha's state (tests/sync/_parts_behind.ts), so it needs a checkpoint,
 * which goes in parts (about 1.2 MB of preferences: past 1 MiB).
 */

import assert from "node:assert/strict";
import { CUT_COOL_DOWN_MS } from "../../src/sync/cut_gate.ts";
import { sleep } from "../helpers/process.ts";
import { device } from "../pairing/_helpers.ts";
import { behindCompaction } from "./_parts_behind.ts";
import { fillBut, homeOnTmpfs, IN_CI, ROOT } from "./_home_tmpfs.ts";

if (!ROOT && !IN_CI) console.log("spool_disk_full_test: skipped: mounting a tmpfs needs root");

Deno.test({
  name: "a sync serve whose disk fills while it spools its state for a peer says its disk is " +
    "full, and the peer's round reads peer_disk_full; with room again the peer catches up",
  ignore: !ROOT && !IN_CI,
  async fn() {
    await using a = await device("alpha");
    await using b = await device("beta");
    await behindCompaction(a, b, 30, 4000);
    await using _disk = await homeOnTmpfs(a.t.home, "16m");
    const filler = await fillBut(a.t.home, 256 << 10);
    const server = await a.serve();

    const round = await b.syncNow();
    const o = round.outcomes[0];
    assert.equal(o?.status, "failed", round.raw.stdout + round.raw.stderr);
    assert.equal(o?.code, "peer_disk_full", JSON.stringify(o));
    assert.match(o?.error ?? "", /its disk is full \(it could not make its state to send us\)/);
    const [line] = await server.waitFor(/failed beta.*/, { stream: "stderr" });
    assert.match(line, /disk holding .* is full/, server.stderr);
    assert.doesNotMatch(server.stderr, /os error 28|internal/, server.stderr);

    await Deno.remove(filler);
    // The failed cut counts as an abandoned one: the device waits its cool-down (cut_budget.ts).
    await sleep(CUT_COOL_DOWN_MS);
    const again = await b.syncNow();
    assert.equal(again.outcomes[0]?.status, "synced", again.raw.stdout + again.raw.stderr);
    assert.equal((await b.status()).state_digest, (await a.status()).state_digest);
  },
});
