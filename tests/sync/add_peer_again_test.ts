/**
 * @module add_peer_again_test
 * `mesh add-peer` with a newer card of a device already admitted: its record
 * changes only through its own entries, so nothing is written — but the
 * card is signed by that device, and its endpoints become where this device
 * tries it first. Before (found by a CLI review), the command printed
 * "added …", exit 0, and `sync now` kept dialling the old, dead endpoint.
 * Real processes on loopback.
 */

import assert from "node:assert/strict";
import { devices, freePort } from "./_helpers.ts";
import { describe } from "../helpers/mycel.ts";

Deno.test("add-peer of a member's newer card says it is a member, keeps its record, and dials the card's endpoint", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await b.write("mesh", "add-peer", await a.card());
  await a.write("mesh", "add-peer", await b.card());
  const moved = `127.0.0.1:${freePort()}`;
  await a.write("mesh", "set-endpoint", moved);
  const logBefore = (await b.log()).length;
  const again = await b.write("mesh", "add-peer", await a.card());
  assert.match(again.stdout, /^a \(\S+\) is already a member, at 100\.\d+\.\d+\.\d+\n/);
  assert.match(again.stdout, new RegExp(`tries ${moved.replaceAll(".", "\\.")} first`));
  assert.equal((await b.log()).length, logBefore, "no entry written");
  const listed = await b.tmp.json<{ name: string; endpoints: string[] }[]>([
    "mesh",
    "list",
    "--json",
  ]);
  assert.deepEqual(listed.find((m) => m.name === "a")?.endpoints, [a.endpoint], "record unchanged");

  // a answers only at its new endpoint now; b reaches it there.
  await using server = a.tmp.spawn(["sync", "serve", "--listen", moved], { timeoutMs: 0 });
  await server.waitFor(/listening on \S+/, { stream: "stderr", timeoutMs: 30_000 });
  const r = await b.run(["sync", "now"]);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.match(r.stdout, /synced/);
  // And once synced, a's own entry moves its record on b too.
  const after = await b.tmp.json<{ name: string; endpoints: string[] }[]>([
    "mesh",
    "list",
    "--json",
  ]);
  assert.deepEqual(after.find((m) => m.name === "a")?.endpoints, [moved]);
});
