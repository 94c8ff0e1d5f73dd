/**
 * @module whole_checkpoint_stop_test
 * A whole checkpoint made a step at a time for a sync session
 * (`Home.wholeCheckpoint`, src/storage/whole_checkpoint.ts) stops at its
 * session's signal: a member that asks for our state and hangs up costs a
 * step, not the whole making, and the snapshot it read is released (the
 * write-ahead log is not held). It reads one state: writes committed while
 * it is made are not in it. Real database.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { MycelError } from "../../src/errors.ts";
import { readCheckpoint } from "../../src/log/checkpoint.ts";
import type { Op } from "../../src/log/ops.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import { makeHome } from "./helpers.ts";

async function filled(w: Home): Promise<void> {
  for (let e = 0; e < 20; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 20; i++) {
      ops.push({ type: "pref.set", key: `k.${e}.${i}`, value: "v".repeat(3000) });
    }
    await w.write((tx) => tx.commit(ops));
  }
}

Deno.test("a whole checkpoint made for a session stops at the session's signal, with its reason, and holds no snapshot after", async () => {
  await using h = await makeHome(0, "stop");
  using w = await h.writer();
  await filled(w);
  const ctl = new AbortController();
  const reason = new MycelError("timeout", "sync with beta", "no data within 3 s");
  // Steps of about a MiB with a wait after each: aborted during the first.
  const making = w.wholeCheckpoint({ signal: ctl.signal, pauseMs: 60_000 });
  setTimeout(() => ctl.abort(reason), 50);
  await assert.rejects(making, (e) => e === reason);
  await w.write((tx) => tx.commit([{ type: "pref.set", key: "after", value: "1" }]));
  // The snapshot is released: a checkpoint of the write-ahead log runs to the end.
  const db = new DatabaseSync(`${h.root}/mycel.db`);
  try {
    const wal = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
    assert.equal(wal.busy, 0, "no reader holds the write-ahead log");
  } finally {
    db.close();
  }
});

Deno.test("a whole checkpoint made for a session is the state as it began: writes committed while it is made are not in it", async () => {
  await using h = await makeHome(0, "one-state");
  using w = await h.writer();
  await filled(w);
  const making = w.wholeCheckpoint({ pauseMs: 200 });
  await new Promise((r) => setTimeout(r, 50));
  await w.write((tx) => tx.commit([{ type: "pref.set", key: "later", value: "1" }]));
  const cp = await readCheckpoint(await making);
  assert.equal(cp.state.space("prefs").versions("later").length, 0, "the later write is not in it");
  assert.equal(cp.state.space("prefs").versions("k.19.19").length, 1);
  assert.equal(w.view.pref("later"), "1", "it was committed meanwhile");
});
