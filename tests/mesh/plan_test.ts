/**
 * @module plan_test
 * The interface plan computed from the replicated state: every admitted,
 * non-revoked device with a WireGuard key is a peer, revoked devices are
 * gone, of two devices that drew the same mesh IPv4 only the one admitted
 * first gets it routed, and only the peers' own /32s are routed.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { ipv4Losers, planInterface } from "../../src/mesh/plan.ts";
import { dk, Fixture, id, key, MESH, record } from "./plan_fixture.ts";

Deno.test("planInterface() makes every other admitted device a peer with its /32 and /128", () => {
  const f = new Fixture();
  const s = f.state;
  f.apply(1, 10, [{ type: "device.add", device: record(1, "100.64.0.1") }]);
  f.apply(1, 20, [{ type: "device.add", device: record(2, "100.64.0.2") }]);
  f.apply(1, 30, [{ type: "device.add", device: record(3, "100.64.0.3") }]);
  const plan = planInterface(s, MESH, id(1));
  assert.equal(plan.peers.length, 2);
  assert.deepEqual(plan.peers.map((p) => p.allowedIps[0]), ["100.64.0.2/32", "100.64.0.3/32"]);
  assert.ok(plan.peers.every((p) => p.allowedIps[1].endsWith("/128")));
  assert.deepEqual(plan.peers.map((p) => p.endpoint), ["198.18.0.2:51871", "198.18.0.3:51871"]);
  assert.equal(plan.addresses[0], "100.64.0.1/32");
  assert.match(plan.addresses[1], /^fd[0-9a-f]{2}:[0-9a-f:]+\/48$/);
  f.apply(1, 40, [{ type: "device.revoke", device: dk(3), upTo: 0 }]);
  assert.deepEqual(planInterface(s, MESH, id(1)).peers.map((p) => p.allowedIps[0]), [
    "100.64.0.2/32",
  ]);
});

Deno.test("planInterface() routes only the peers' /32s, never the whole 100.64.0.0/10", () => {
  const f = new Fixture();
  const s = f.state;
  f.apply(1, 10, [{ type: "device.add", device: record(1, "100.64.0.1") }]);
  f.apply(1, 20, [{ type: "device.add", device: record(2, "100.80.7.2") }]);
  f.apply(1, 30, [{ type: "device.add", device: { ...record(3, "100.127.1.3"), endpoints: [] } }]);
  const plan = planInterface(s, MESH, id(1));
  assert.deepEqual(plan.routes4, ["100.80.7.2/32", "100.127.1.3/32"]);
  assert.equal(plan.routes6.length, 2);
  assert.ok(plan.routes6.every((r) => r.startsWith(plan.ula.split("::")[0]) && r.endsWith("/128")));
  assert.ok(![...plan.addresses, ...plan.routes4].some((r) => r.endsWith("/10")));
  // The device without endpoints is still a peer (it may reach us), with no candidate.
  assert.deepEqual(plan.peers.map((p) => p.candidates), [["198.18.0.2:51871"], []]);
});

Deno.test("planInterface() with uncommitted own fields plans the new address", () => {
  const f = new Fixture();
  const s = f.state;
  f.apply(1, 10, [{ type: "device.add", device: record(1, "100.64.0.1") }]);
  const plan = planInterface(s, MESH, id(1), { ipv4: "100.64.9.9" });
  assert.equal(plan.addresses[0], "100.64.9.9/32");
});

Deno.test("ipv4Losers(): of two devices with one IPv4, the later admission loses and is not routed", () => {
  const f = new Fixture();
  const s = f.state;
  f.apply(1, 10, [{ type: "device.add", device: record(1, "100.64.0.1") }]);
  f.apply(1, 20, [{ type: "device.add", device: record(2, "100.64.0.9") }]);
  // Device 4 admitted concurrently elsewhere, later, with the same address.
  f.apply(4, 25, [{ type: "device.add", device: record(4, "100.64.0.9") }]);
  assert.deepEqual([...ipv4Losers(s)], [id(4)]);
  const plan = planInterface(s, MESH, id(1));
  const four = plan.peers.find((p) => p.publicKey === toBase64(key(204)))!;
  assert.equal(four.allowedIps.length, 1, "only its IPv6 until it moves");
  assert.ok(four.allowedIps[0].endsWith("/128"));
  const two = plan.peers.find((p) => p.publicKey === toBase64(key(202)))!;
  assert.equal(two.allowedIps[0], "100.64.0.9/32");
});
