/**
 * @module commit_hold_test
 * Committing this device's change holds the home's write lock for no turn
 * of the event loop: what else the process has to do meanwhile (a chunk a
 * fetch just received to decrypt, hash and write, a timer) runs before the
 * transaction begins or after it commits, never inside it. Signing waited
 * for WebCrypto's answer through the event loop, so a `sync now` recording
 * a transfer mid-fetch held the lock while it went on fetching (measured
 * on a loaded machine: the first transfer's record 31–152 ms, 9–39 since),
 * and a
 * `sync serve` of the same home waited for it: a peer's session there got
 * nothing for that long, and for its whole 10 s deadline when the process
 * was stopped (Ctrl-Z) in that window. Another process asks for the lock
 * here exactly as a serve would (`BEGIN IMMEDIATE`), without waiting.
 * The keys, read once by the first change that signs, are read before its
 * transaction too (a key file here; a keyring tool or a passphrase there).
 */

import assert from "node:assert/strict";
import { Home } from "../../src/storage/home_handle.ts";
import { publishProgress } from "../../src/sync/folder_progress.ts";
import { makeHome } from "./helpers.ts";
import { writeLockHeld } from "../helpers/db_lock.ts";

/**
 * Other work of the process, as a fetch's is (a chunk in, hashed, written):
 * a task at every turn of the event loop (one is always due), probing the
 * lock, until stopped; returns how often it was held.
 */
function watchLock(path: string): { stop(): number } {
  let held = 0, on = true;
  const tick = () => {
    if (!on) return;
    setTimeout(tick, 0);
    if (writeLockHeld(path)) held++;
    busy(2); // the next one is due when this returns
  };
  setTimeout(tick, 0);
  return {
    stop() {
      on = false;
      return held;
    },
  };
}

/** Keep the thread busy `ms` (a timer set before becomes due). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

Deno.test("committing a change holds the home's write lock through no turn of the event loop", async () => {
  await using h = await makeHome();
  const home = await h.writer();
  try {
    let n = 0;
    const commit = () =>
      home.write(async (tx) => {
        // Work that came in meanwhile: due before the commit starts signing.
        const ran = new Promise<boolean>((resolve) =>
          setTimeout(() => resolve(writeLockHeld(h.paths.db)), 0)
        );
        busy(3);
        await tx.commit([{ type: "app.add", name: `app-${n++}` }]);
        return { ran }; // not awaited in the transaction
      });
    // From the first: the keys are read (here: given), and signing is made
    // ready before a transaction begins.
    const held: number[] = [];
    for (let i = 0; i < 20; i++) {
      if (await (await commit()).ran) held.push(i);
    }
    assert.deepEqual(held, [], "commits during which other work ran with the lock held");
    assert.equal(home.view.apps().length, 20);
  } finally {
    home.close();
  }
});

Deno.test("a round's first progress record reads the keys before its transaction, not while holding the home", async () => {
  await using h = await makeHome();
  const folder = { folder: "docs", root: `${h.root}/docs`, added: h.now, info: {} };
  const held: number[] = [];
  for (let round = 0; round < 6; round++) {
    // As `sync now` opens it: the keys not read yet (they are in the home's key
    // file; touched, so this process's memory of them is not used).
    await Deno.utime(h.paths.keys, 1_600_000_000 + round, 1_600_000_000 + round);
    const home = await Home.open(h.root, { write: true, now: () => h.now, env: () => undefined });
    try {
      await home.write((w) => w.folderLocal.putFolder(folder));
      const before = home.log.head(h.device)?.seq ?? 0;
      const watch = watchLock(h.paths.db);
      await publishProgress(home, folder, {
        needFiles: round + 1,
        needBytes: 5,
        conflicts: 0,
        stopped: "",
        frontier: [],
      });
      if (watch.stop() > 0) held.push(round);
      assert.equal(home.log.head(h.device)?.seq, before + 1, "the record was published");
    } finally {
      home.close();
    }
  }
  assert.deepEqual(held, [], "rounds whose record held the home through other work");
});
