/**
 * @module keys_before_write_test
 * A home's write reads this device's keys only when it commits a change,
 * and then outside its transaction (Home.write): a write that commits
 * nothing never reads them; one whose commit finds them unread is rolled
 * back, they are read, and it runs again, committing once — even when it
 * caught what its commit threw; keys that cannot be read fail it with
 * nothing changed. (tests/cli/key_wait_unlocked_test.ts shows the lock is
 * not held meanwhile, with real processes.)
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { makeHome } from "./helpers.ts";

/** The home as a command opens it: its keys not read yet (they are in its key file). */
function openFresh(root: string, now: number): Promise<Home> {
  return Home.open(root, { write: true, now: () => now, env: () => undefined });
}

Deno.test("a write that commits nothing never reads the keys; one that commits and cannot read them changes nothing", async () => {
  await using h = await makeHome();
  // Keys nobody can read (a damaged key file; also no longer the one this process read).
  await Deno.writeFile(h.paths.keys, new Uint8Array([0xff, 0x00, 0x13, 0x37]));
  using home = await openFresh(h.root, h.now);
  await home.write((w) => w.setLocal("retention", { days: 3 }));
  assert.deepEqual(home.local.get("retention"), { days: 3 });
  let runs = 0;
  await assert.rejects(
    home.write(async (w) => {
      runs++;
      w.setLocal("retention", { days: 9 });
      await w.commit([{ type: "app.add", name: "notes" }]);
    }),
    (e) => isMycelError(e),
  );
  assert.equal(runs, 1, "stopped at its commit; not run again without keys");
  assert.deepEqual(home.local.get("retention"), { days: 3 }, "what it did before was rolled back");
  assert.deepEqual(home.view.apps(), []);
});

Deno.test("a write whose commit finds the keys unread runs again once they are read, and commits once, even when it caught the throw", async () => {
  await using h = await makeHome();
  await Deno.utime(h.paths.keys, 1_600_000_000, 1_600_000_000); // this process's memory of them unused
  using home = await openFresh(h.root, h.now);
  const seq = home.log.head(h.device)?.seq ?? 0;
  let runs = 0, caught = 0;
  const entry = await home.write(async (w) => {
    runs++;
    w.setLocal("retention", { days: runs });
    try {
      return await w.commit([{ type: "app.add", name: "notes" }]);
    } catch {
      caught++;
      return undefined;
    }
  });
  assert.equal(runs, 2);
  assert.equal(caught, 1, "the first run's commit threw; the write was not kept for that");
  assert.ok(entry !== undefined, "the second run committed");
  assert.deepEqual(home.view.apps(), ["notes"]);
  assert.equal(home.log.head(h.device)?.seq, seq + 1, "one entry");
  assert.deepEqual(home.local.get("retention"), { days: 2 }, "the second run's change alone");
  // Read once per handle: the next write runs once.
  runs = 0;
  await home.write(async (w) => {
    runs++;
    await w.commit([{ type: "app.add", name: "mail" }]);
  });
  assert.equal(runs, 1);
  assert.equal(home.log.head(h.device)?.seq, seq + 2);
});
