/**
 * `status` says a peer is "relayed via X" only when its changes come
 * through X because it is not synced directly: a peer this device synced
 * directly a moment ago stays "direct" when X then passes on one of its
 * entries (X's round pushing to this device's server). It read "relayed via
 * X" until the next direct sync.
 */

import assert from "node:assert/strict";
import { devices } from "./_helpers.ts";

Deno.test("a peer synced directly is not shown relayed when another device passes on its entries", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  await devs.peer(a, b);
  await devs.peer(a, c);
  await devs.peer(b, c);
  for (const d of devs.list) await d.serve();
  await c.syncAll(); // c syncs a (and b) directly
  await a.write("pref", "set", "theme", "dark");
  await b.syncAll(); // b takes a's entry from a, and passes it on to c's server
  const st = await c.status();
  const row = st.peers.find((p) => p.id === a.id)!;
  assert.equal(row.path, "direct", JSON.stringify(row));
  assert.equal(row.relayed_via, null);
  assert.doesNotMatch((await c.ok(["status"])).stdout, /relayed via/);

  // The relayed case itself (never synced directly) is tests/sync/converge_test.ts.
});
