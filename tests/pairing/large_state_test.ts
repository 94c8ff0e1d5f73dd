/**
 * @module large_state_test
 * A new device starts from the inviter's checkpoint: the whole state. That
 * state can pass 16 MiB, the CBOR profile's default limit, which bounded a
 * checkpoint before — about 85,000 synced files, or a few hundred large
 * preferences — and then no device could pair at all ("the encoding would
 * exceed 16777216 bytes"). A checkpoint now has bounds of its own (64 MiB,
 * src/log/checkpoint.ts); past them the inviter names the cause. Real
 * processes on 127.0.0.1; the inviter's state is written through its home
 * in this process first (faster than 300 `pref set` runs, the same entries).
 */

import assert from "node:assert/strict";
import { Home } from "../../src/storage/home_handle.ts";
import type { Op } from "../../src/log/ops.ts";
import { device, pair } from "./_helpers.ts";

/** 20 entries of 15 preferences of ~62 kB: about 18 MiB of state. */
async function bigState(root: string): Promise<void> {
  using home = await Home.open(root, { write: true });
  const value = "v".repeat(62_000);
  for (let e = 0; e < 20; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 15; i++) {
      ops.push({ type: "pref.set", key: `big.${e}.${i}`, value: `${value}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

Deno.test("pairing: a new device joins a mesh whose state is over 16 MiB and ends with the same preferences", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await bigState(a.t.home);

  const p = await pair(a.t, b.t, "beta");
  assert.ok(p.joinerId);
  const prefs = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(prefs).length, 300);
  assert.equal(prefs["big.19.14"], `${"v".repeat(62_000)}19.14`);
  assert.deepEqual(prefs, await a.t.json(["pref", "list", "--json"]), "the same on both");
});
