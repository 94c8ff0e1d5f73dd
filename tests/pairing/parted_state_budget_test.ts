/**
 * @module parted_state_budget_test
 * A state in parts larger than a connection's read budget (256 MiB:
 * src/transport/frame_conn.ts) still pairs: once the inviter's signed head
 * is read, the joiner lets the connection read what it declares
 * (src/sync/pairing_state_in.ts). Before, a state of 273 MB (17 parts) was
 * cut off at 256 MiB ("the peer sent more than this connection allows
 * (268435456 bytes …)") and no device could pair into it. At the real size:
 * 4,400 preferences of 62 kB written through the inviter's home in this
 * process; about 30 s and 1 GB of temporary disk.
 */

import assert from "node:assert/strict";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { device, pair } from "./_helpers.ts";

/** 440 entries of 10 preferences of ~62 kB: about 273 MB of state. */
async function pastTheReadBudget(root: string): Promise<void> {
  using home = await Home.open(root, { write: true });
  const value = "v".repeat(62_000);
  for (let e = 0; e < 440; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 10; i++) {
      ops.push({ type: "pref.set", key: `p.${e}.${i}`, value: `${value}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

Deno.test("pairing: a state in parts larger than a connection's 256 MiB read budget pairs a new device", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await pastTheReadBudget(a.t.home);
  // 273 MB on a loaded machine took past 60 s (2 cores at load 10+).
  const p = await pair(a.t, b.t, "beta", { joinTimeoutMs: 240_000 });
  const sent = Number(p.inviter.stderr.match(/in \d+ parts \((\d+) bytes\)/)?.[1]);
  assert.ok(sent > 256 * 1024 * 1024, `more than the read budget went:\n${p.inviter.stderr}`);
  const prefs = await b.t.json<Record<string, string>>(["pref", "list", "--json"]);
  assert.equal(Object.keys(prefs).length, 4400);
});
