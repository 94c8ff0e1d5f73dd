/**
 * @module pairing_state_time_test
 * The deadline over a joiner's whole state: how long it allows for what a
 * head declares, and that it ends a read under way with `pairing_timeout`,
 * cutting the connection (the dripping inviter over a real connection is in
 * tests/pairing/hostile_parts_test.ts).
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { MAX_STATE_WAIT_MS, StateClock, stateWaitMs } from "../../src/sync/pairing_state_time.ts";

Deno.test("the state's deadline is one checkpoint's bounds plus what the head declares at 128 KiB/s, at most 6 hours", () => {
  assert.equal(stateWaitMs(0), 512_000);
  assert.equal(stateWaitMs(1 << 27), 512_000 + 1_024_000);
  assert.equal(stateWaitMs(4096 * (64 << 20)), MAX_STATE_WAIT_MS);
  assert.equal(stateWaitMs(0, 64 << 20), 1_000);
});

Deno.test("a read still waiting when the state's deadline passes fails with pairing_timeout and the connection is cut", async () => {
  let cut = 0;
  // 1 GiB/s: 64 ms for the bounds, 64 ms more for 64 MiB declared.
  const clock = new StateClock(1 << 30, () => cut++);
  try {
    const started = performance.now();
    clock.start();
    clock.declare(64 << 20);
    const never = new Promise<Uint8Array>(() => {});
    const e = await clock.race(never).catch((e) => e);
    const took = performance.now() - started;
    assert.ok(isMycelError(e, "pairing_timeout"), String(e));
    assert.match(e.message, /did not come within 0\.125s: it came slower than 1024 MiB\/s/);
    assert.equal(cut, 1);
    assert.ok(took >= 120 && took < 2_000, `${took} ms`);
    // Once passed, every later read fails at once.
    assert.ok(isMycelError(await clock.race(never).catch((e) => e), "pairing_timeout"));
  } finally {
    clock.stop();
  }
});

Deno.test("a state that came in time stops the clock: nothing fires later", async () => {
  let cut = 0;
  const clock = new StateClock(1 << 30, () => cut++);
  clock.start();
  assert.equal(await clock.race(Promise.resolve(7)), 7);
  clock.stop();
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(cut, 0);
});
