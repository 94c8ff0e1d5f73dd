/**
 * @module removed_tries_many_test
 * A member that admits made-up devices and removes them, and then dials as
 * each (or a thief holding many removed keys), made a write a minute per
 * removed key: N keys, N writes a minute, each rewriting the record of all
 * of them (src/sync/removed_tries.ts). Now every removed device's attempts
 * of a minute go into one write, for the listener and for `--stdio`
 * processes (two handles of one home stand for two, as in
 * tests/storage/first_messages_test.ts). Found in review (H117).
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import { ListenerTries, stdioTries, WRITE_EVERY_MS } from "../../src/sync/removed_tries.ts";
import { makeHome } from "../storage/helpers.ts";

const key = (n: number) => new Uint8Array(32).fill(n);
const removed = [1, 2, 3].map((n) => DeviceKey.of(key(100 + n)));

Deno.test("sync serve --listen: attempts of many removed devices within a minute are one write, the rest when the minute is over or it stops", async () => {
  await using h = await makeHome();
  using home = await h.writer();
  const tries = new ListenerTries();
  try {
    for (const [i, peer] of removed.entries()) {
      await tries.note(home, peer, key(i + 1), `127.0.0.1:${i + 1}`);
    }
    const written = home.local.get("removedTries") ?? {};
    assert.deepEqual(Object.keys(written), [removed[0].hex], "only the first attempt's write yet");
  } finally {
    await tries[Symbol.asyncDispose]();
  }
  const all = home.local.get("removedTries") ?? {};
  assert.deepEqual(removed.map((p) => all[p.hex]?.count), [1, 1, 1], "stopping writes the rest");
});

Deno.test("sync serve --stdio: attempts of many removed devices within a minute are one write", async () => {
  await using h = await makeHome();
  using a = await h.writer();
  using b = await h.writer();
  await stdioTries.note(a, removed[0], key(1), "127.0.0.1:1");
  await stdioTries.note(b, removed[1], key(2), "127.0.0.1:2");
  await stdioTries.note(a, removed[2], key(3), "127.0.0.1:3");
  assert.deepEqual(Object.keys(b.local.get("removedTries") ?? {}), [removed[0].hex]);
  h.now += WRITE_EVERY_MS;
  await stdioTries.note(b, removed[1], key(4), "127.0.0.1:4");
  const all = a.local.get("removedTries") ?? {};
  assert.deepEqual(removed.map((p) => all[p.hex]?.count), [1, 1, undefined]);
});
