/**
 * @module first_messages_test
 * The home's memory of members' first handshake messages
 * (src/storage/first_messages.ts), through two handles of one home as two
 * `sync serve --stdio` processes hold them: taken through one, a replay
 * through the other, until it is a day old; another process's long write
 * delays a take by at most a second, after which the message counts as new
 * (a member's session is never held up or refused by this memory).
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { KEEP_MS, TAKE_WAIT_MS } from "../../src/storage/first_messages.ts";
import { makeHome } from "./helpers.ts";

const key = (n: number) => new Uint8Array(32).fill(n);

Deno.test("a first message taken through one handle is a replay through another, until a day has passed", async () => {
  await using h = await makeHome();
  using a = await h.writer();
  using b = await h.writer();
  assert.equal(await a.takeFirstMessage(key(1)), true);
  assert.equal(await b.takeFirstMessage(key(1)), false, "the other process took it already");
  assert.equal(await a.takeFirstMessage(key(1)), false);
  assert.equal(await b.takeFirstMessage(key(2)), true, "another ephemeral key is another message");
  h.now += KEEP_MS - 1;
  assert.equal(await b.takeFirstMessage(key(1)), false, "still remembered just under a day");
  h.now += 2;
  // Forgotten, and taken again: remembered for another day from now.
  assert.equal(await b.takeFirstMessage(key(1)), true);
  assert.equal(await a.takeFirstMessage(key(1)), false);
  const db = new DatabaseSync(h.paths.db, { readOnly: true });
  try {
    const rows = db.prepare("SELECT count(*) AS n FROM first_messages").get() as { n: number };
    assert.equal(rows.n, 1, "key 2, a day old, was pruned; key 1 is there once");
  } finally {
    db.close();
  }
});

Deno.test("another process's long write delays a take by at most the wait, and the message counts as new", async () => {
  await using h = await makeHome();
  using home = await h.writer();
  const other = new DatabaseSync(h.paths.db);
  try {
    other.exec("BEGIN IMMEDIATE");
    const t0 = performance.now();
    assert.equal(await home.takeFirstMessage(key(3)), true);
    const waited = performance.now() - t0;
    assert.ok(waited >= TAKE_WAIT_MS * 0.9, `gave up after ${waited.toFixed(0)} ms`);
    assert.ok(waited < TAKE_WAIT_MS + 1_000, `waited ${waited.toFixed(0)} ms`);
    other.exec("ROLLBACK");
  } finally {
    other.close();
  }
  // Nothing was written: the same message is new once, then a replay; the
  // handle writes as before.
  assert.equal(await home.takeFirstMessage(key(3)), true);
  assert.equal(await home.takeFirstMessage(key(3)), false);
  assert.equal(await home.write(() => "written"), "written");
});
