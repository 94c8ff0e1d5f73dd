import assert from "node:assert/strict";
import { ReplayGuard } from "../../src/transport/replay_guard.ts";

Deno.test("ReplayGuard: an ephemeral key is taken once; past the cap the oldest is forgotten", () => {
  const key = (n: number) => new Uint8Array(32).fill(n);
  const guard = new ReplayGuard(2);
  assert.equal(guard.admit(key(1)), true);
  assert.equal(guard.admit(key(1)), false, "seen twice: a replay");
  assert.equal(guard.admit(key(2)), true);
  assert.equal(guard.admit(key(3)), true); // pushes key 1 out
  assert.equal(guard.admit(key(2)), false);
  assert.equal(guard.admit(key(1)), true, "forgotten past the cap");
});

Deno.test("ReplayGuard: full, each admit stays cheap and the set stays at the cap", () => {
  const guard = new ReplayGuard(1000);
  const key = new Uint8Array(32);
  const view = new DataView(key.buffer);
  const t0 = performance.now();
  for (let i = 0; i < 200_000; i++) {
    view.setUint32(0, i);
    assert.equal(guard.admit(key), true);
  }
  // The last 1000 are remembered, the ones before forgotten.
  view.setUint32(0, 199_999);
  assert.equal(guard.admit(key), false);
  view.setUint32(0, 198_999);
  assert.equal(guard.admit(key), true);
  // Generous: a Set's delete-first took 30–47 µs an admit once full (6–9 s here).
  assert.ok(performance.now() - t0 < 3000, `${(performance.now() - t0).toFixed(0)} ms`);
});
