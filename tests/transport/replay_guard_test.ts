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
