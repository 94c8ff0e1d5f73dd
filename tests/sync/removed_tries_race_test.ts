/**
 * @module removed_tries_race_test
 * Under socket activation every connection is a process of its own: a
 * removed phone opening many connections at once had each process read "no
 * attempt counted this minute" before any of them wrote, so each wrote (the
 * count and a first-message row): N connections, N writes in one minute,
 * past the bound of one (src/sync/removed_tries.ts). Two handles of one
 * home stand for two `sync serve --stdio` processes, as in
 * tests/storage/first_messages_test.ts (found in review, H117).
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DeviceKey } from "../../src/log/device_key.ts";
import { stdioTries } from "../../src/sync/removed_tries.ts";
import { makeHome } from "../storage/helpers.ts";

const key = (n: number) => new Uint8Array(32).fill(n);

Deno.test("sync serve --stdio: a removed device's attempts racing in several processes are written once a minute", async () => {
  await using h = await makeHome();
  const handles = await Promise.all([0, 1, 2, 3].map(() => h.writer()));
  try {
    const phone = DeviceKey.of(key(9));
    await Promise.all(
      handles.map((home, i) => stdioTries.note(home, phone, key(i + 1), `127.0.0.1:${i + 1}`)),
    );
    const tries = handles[0].local.get("removedTries");
    assert.equal(tries?.[phone.hex]?.count, 1, JSON.stringify(tries));
    const db = new DatabaseSync(h.paths.db, { readOnly: true });
    try {
      const rows = db.prepare("SELECT count(*) AS n FROM first_messages").get() as { n: number };
      assert.equal(rows.n, 1, "the attempts not counted wrote no first-message row either");
    } finally {
      db.close();
    }
    // A minute later the next attempt is counted again.
    h.now += 60_000;
    await stdioTries.note(handles[1], phone, key(7), "127.0.0.1:7");
    assert.equal(handles[2].local.get("removedTries")?.[phone.hex]?.count, 2);
  } finally {
    for (const home of handles) home[Symbol.dispose]();
  }
});
