/**
 * @module serve_replaced_home_test
 * A `sync serve --listen` that keeps running while its home is replaced — a
 * removed device paired again keeps its old home aside and makes a new one
 * in its place, new key and all — serves the new home from the next
 * connection on. Before, it answered with the old key, which every member
 * refuses ("the peer hung up during the handshake"), until restarted; cron
 * setups keep exactly such a listener running. Real processes on loopback.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { devices } from "./_helpers.ts";

Deno.test("sync serve serves the home that replaced its own (paired again) from the next connection", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  await b.serve();
  (await a.syncAll()).of(b);

  // b is paired again: a new home with a new key takes the old one's place
  // (same endpoint), and a knows the new device.
  const b2 = await devs.add("b2", b.port);
  await devs.peer(a, b2);
  await Deno.rename(b.home, `${b.home}.revoked`);
  await Deno.rename(b2.home, b.home);
  await a.write("pref", "set", "after", "re-pair");

  const round = await a.syncNow();
  assert.equal(round.of("b2").status, "synced", describe(["sync", "now"], round.result));
  // Waited for, not slept on: the server's line comes through a pipe, and a
  // fixed 300 ms could pass first on a loaded machine.
  await b.server!.waitFor(/the home was replaced \(paired again\?\): serving it as /, {
    stream: "stderr",
    timeoutMs: 15_000,
  });
  const got = await b.ok(["pref", "get", "after"]);
  assert.equal(got.stdout.trim(), "re-pair");
  // Put the folders back for the cleanup of each device.
  await b.stopServer();
  await Deno.rename(b.home, b2.home);
  await Deno.rename(`${b.home}.revoked`, b.home);
});
