/**
 * @module slow_inviter_test
 * An inviter slow to make the parts of a large state (a Raspberry Pi, or a
 * loaded machine: tests/pairing/parted_state_budget_test.ts failed twice at
 * load 11–12) still pairs a new device: it hashes every part before it can
 * sign the head, and says meanwhile that it is still at work (`state-wait`,
 * src/sync/pairing_attempt.ts), which resets the joiner's 15 s read deadline.
 * Before, the joiner gave up at 15 s while the inviter was still cutting.
 * Made slow with a test knob (a pause after each part hashed); the joiner's
 * whole-state deadline still holds (hostile_parts_test.ts).
 */

import assert from "node:assert/strict";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { PART_KNOB, PART_PAUSE_KNOB } from "../../src/sync/pairing_attempt.ts";
import { device, pair } from "./_helpers.ts";

/** About 1.2 MiB of preferences: 5 or more parts of 256 KiB. */
async function state(root: string): Promise<void> {
  using home = await Home.open(root, { write: true });
  for (let e = 0; e < 20; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 15; i++) {
      ops.push({ type: "pref.set", key: `p.${e}.${i}`, value: `${"v".repeat(4000)}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

Deno.test("pairing: an inviter taking longer than the joiner's 15 s read deadline to make its parts still pairs a new device", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await state(a.t.home);
  // 4 s after each of 5+ parts: 20 s and more before the head can go.
  const env = { [PART_KNOB]: String(256 << 10), [PART_PAUSE_KNOB]: "4000" };
  const started = performance.now();
  const p = await pair(a.t, b.t, "beta", { env });
  const took = performance.now() - started;
  const parts = Number(p.inviter.stderr.match(/in (\d+) parts/)?.[1]);
  assert.ok(parts >= 5, `the state went in parts:\n${p.inviter.stderr}`);
  assert.ok(took > 16_000, `the inviter was slower than one read deadline (${took} ms)`);
  const prefs = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(prefs).length, 300);
});
