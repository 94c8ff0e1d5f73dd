/**
 * @module plan_test
 * The interface plan computed from the replicated state: every admitted,
 * non-revoked device with a WireGuard key is a peer, revoked devices are
 * gone, and of two devices that drew the same mesh IPv4 only the one
 * admitted first gets it routed.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Entry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import type { Op } from "../../src/log/ops.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { ipv4Losers, planInterface } from "../../src/mesh/plan.ts";

const MESH = "testmesh";
const key = (n: number) => new Uint8Array(32).fill(n);
const dk = (n: number) => DeviceKey.of(key(n));
const id = (n: number) => dk(n).id;
const seqs = new Map<string, number>();

function record(n: number, ipv4: string): DeviceRecord {
  return {
    key: dk(n),
    id: id(n),
    name: `d${n}`,
    noiseKey: toBase64(key(n + 100)),
    wgKey: toBase64(key(n + 200)),
    endpoints: [`198.18.0.${n}:7850`],
    ipv4,
    wgPort: 51871,
  };
}

function apply(state: MemoryState, author: number, wall: number, ops: Op[]): void {
  const a = dk(author);
  const seq = (seqs.get(a.hex) ?? 0) + 1;
  seqs.set(a.hex, seq);
  const entry: Entry = { author: a, seq, prev: null, hlc: { wall, counter: 0, node: a.hex }, ops };
  foldEntry(state, entry);
}

Deno.test("planInterface() makes every other admitted device a peer with its /32 and /128", () => {
  seqs.clear();
  const s = new MemoryState();
  apply(s, 1, 10, [{ type: "device.add", device: record(1, "100.64.0.1") }]);
  apply(s, 1, 20, [{ type: "device.add", device: record(2, "100.64.0.2") }]);
  apply(s, 1, 30, [{ type: "device.add", device: record(3, "100.64.0.3") }]);
  const plan = planInterface(s.view, MESH, id(1));
  assert.equal(plan.peers.length, 2);
  assert.deepEqual(plan.peers.map((p) => p.allowedIps[0]), ["100.64.0.2/32", "100.64.0.3/32"]);
  assert.ok(plan.peers.every((p) => p.allowedIps[1].endsWith("/128")));
  assert.deepEqual(plan.peers.map((p) => p.endpoint), ["198.18.0.2:51871", "198.18.0.3:51871"]);
  assert.equal(plan.addresses[0], "100.64.0.1/10");
  apply(s, 1, 40, [{ type: "device.revoke", device: dk(3), upTo: 0 }]);
  assert.deepEqual(planInterface(s.view, MESH, id(1)).peers.map((p) => p.allowedIps[0]), [
    "100.64.0.2/32",
  ]);
});

Deno.test("ipv4Losers(): of two devices with one IPv4, the later admission loses and is not routed", () => {
  seqs.clear();
  const s = new MemoryState();
  apply(s, 1, 10, [{ type: "device.add", device: record(1, "100.64.0.1") }]);
  apply(s, 1, 20, [{ type: "device.add", device: record(2, "100.64.0.9") }]);
  // Device 4 admitted concurrently elsewhere, later, with the same address.
  apply(s, 4, 25, [{ type: "device.add", device: record(4, "100.64.0.9") }]);
  assert.deepEqual([...ipv4Losers(s.view)], [id(4)]);
  const plan = planInterface(s.view, MESH, id(1));
  const four = plan.peers.find((p) => p.publicKey === toBase64(key(204)))!;
  assert.equal(four.allowedIps.length, 1, "only its IPv6 until it moves");
  assert.ok(four.allowedIps[0].endsWith("/128"));
  const two = plan.peers.find((p) => p.publicKey === toBase64(key(202)))!;
  assert.equal(two.allowedIps[0], "100.64.0.9/32");
});
