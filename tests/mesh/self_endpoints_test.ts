/**
 * @module self_endpoints_test
 * A device's own endpoints follow its addresses: current IPv4 addresses at
 * the sync port, pinned endpoints (names, never-local addresses) kept, an
 * old address of its own dropped once it is gone, nothing changed when
 * nothing moved; container, tunnel, loopback and mesh addresses are never
 * advertised; the WireGuard port is published while the record has none.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  advertisable,
  listensAt,
  ownSyncPort,
  selfUpdate,
  syncPortOf,
  wantedEndpoints,
} from "../../src/mesh/self_endpoints.ts";

const v4 = (name: string, address: string) => ({ name, family: "IPv4", address });

Deno.test("advertisable: the LAN's IPv4 addresses only, in order, once each", () => {
  assert.deepEqual(
    advertisable([
      v4("lo", "127.0.0.1"),
      v4("eth0", "192.168.1.20"),
      { name: "eth0", family: "IPv6", address: "fe80::1" },
      { name: "eth0", family: "IPv6", address: "2001:db8::20" },
      v4("docker0", "172.17.0.1"),
      v4("br-12ab", "172.18.0.1"),
      v4("veth0", "10.9.0.1"),
      v4("mycel0", "100.64.3.4"),
      v4("tailscale0", "100.101.102.103"),
      v4("wwan0", "100.70.1.2"), // carrier-grade NAT: unreachable from elsewhere
      v4("wlan0", "169.254.7.7"),
      v4("wlan0", "10.0.0.7"),
      v4("eth1", "192.168.1.20"),
    ]),
    ["192.168.1.20", "10.0.0.7"],
  );
});

Deno.test("wantedEndpoints: a moved laptop replaces its old address, keeps pinned ones", () => {
  // Set up with `init --listen 192.168.1.20:7850` and a pinned name.
  const first = wantedEndpoints(
    ["192.168.1.20:7850", "home.example.org:7850"],
    [],
    ["192.168.1.20"],
    7850,
  );
  assert.deepEqual(first.endpoints, ["home.example.org:7850", "192.168.1.20:7850"]);
  assert.ok(first.auto.includes("192.168.1.20:7850"));
  // It moves: the old address goes, the name stays, the new address comes.
  const moved = wantedEndpoints(first.endpoints, first.auto, ["10.1.2.3"], 7850);
  assert.equal(moved.changed, true);
  assert.deepEqual(moved.endpoints, ["home.example.org:7850", "10.1.2.3:7850"]);
  // Nothing moved: nothing to write.
  const again = wantedEndpoints(moved.endpoints, moved.auto, ["10.1.2.3"], 7850);
  assert.equal(again.changed, false);
  // An address that was never this machine's (a port forward) is pinned.
  const pinned = wantedEndpoints(["203.0.113.5:7850"], [], ["10.1.2.3"], 7850);
  assert.deepEqual(pinned.endpoints, ["203.0.113.5:7850", "10.1.2.3:7850"]);
  // 0.0.0.0 is never advertised.
  assert.deepEqual(wantedEndpoints(["0.0.0.0:7000"], [], ["10.0.0.1"], 7000).endpoints, [
    "10.0.0.1:7000",
  ]);
});

Deno.test("wantedEndpoints: idempotent, and an address once ours never becomes pinned", () => {
  const ip = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 254 }))
    .map(([a, b]) => `10.0.${a}.${b}`);
  fc.assert(fc.property(
    fc.array(fc.array(ip, { maxLength: 3 }), { minLength: 1, maxLength: 6 }),
    (moves) => {
      let recorded: string[] = [];
      let managed: string[] = [];
      for (const current of moves) {
        const plan = wantedEndpoints(recorded, managed, current, 7850);
        recorded = plan.endpoints;
        managed = plan.auto;
        const hosts = recorded.map((e) => e.split(":")[0]);
        assert.deepEqual(hosts, [...new Set(current)]);
        assert.equal(wantedEndpoints(recorded, managed, current, 7850).changed, false);
      }
    },
  ));
});

Deno.test("selfUpdate: the WireGuard port is published while the record has none; the sync port is kept", () => {
  const none = selfUpdate({ endpoints: [], wgPort: 0 }, [], ["10.0.0.2"], 51871);
  assert.deepEqual(none.fields, { endpoints: ["10.0.0.2:7850"], wgPort: 51871 });
  const has = selfUpdate({ endpoints: ["10.0.0.2:7000"], wgPort: 51900 }, [], ["10.0.0.2"], 51871);
  assert.deepEqual(has.fields, {});
  assert.equal(syncPortOf(["[fd00::1]:7001", "a.lan:7002"]), 7001);
  assert.equal(syncPortOf([]), 7850);
});

Deno.test("a listener moves pinned endpoints at its own address to its port, and only those", () => {
  const local = ["172.17.0.1", "fd00::5"];
  assert.ok(listensAt("127.0.0.1", "127.0.0.1", local));
  assert.ok(listensAt("0.0.0.0", "127.0.0.1", local));
  assert.ok(listensAt("0.0.0.0", "172.17.0.1", local));
  assert.ok(!listensAt("0.0.0.0", "fd00::5", local));
  assert.ok(listensAt("::", "fd00::5", local));
  assert.ok(!listensAt("127.0.0.1", "172.17.0.1", local));
  assert.ok(!listensAt("0.0.0.0", "nas.example.org", local));
  assert.ok(!listensAt("0.0.0.0", "203.0.113.5", local));

  const plan = wantedEndpoints(
    ["127.0.0.1:7850", "nas.example.org:7850", "203.0.113.5:443", "10.0.0.2:7850"],
    ["10.0.0.2:7850"],
    ["10.0.0.2"],
    7851,
    { host: "0.0.0.0", local },
  );
  assert.deepEqual(plan.endpoints, [
    "127.0.0.1:7851",
    "nas.example.org:7850",
    "203.0.113.5:443",
    "10.0.0.2:7851",
  ]);
  assert.deepEqual(plan.followed, [{ before: "127.0.0.1:7850", after: "127.0.0.1:7851" }]);
  assert.deepEqual(plan.elsewhere, ["nas.example.org:7850", "203.0.113.5:443"]);
  // Without a listener (a round) nothing pinned moves.
  const round = wantedEndpoints(plan.endpoints, plan.auto, ["10.0.0.2"], 7851);
  assert.equal(round.changed, false);
  assert.deepEqual(round.followed, []);
});

Deno.test("a round's sync port is that of the device's own addresses, not of a pinned name", () => {
  const recorded = ["nas.example.org:7850", "10.0.0.2:7851"];
  assert.equal(ownSyncPort(recorded, ["10.0.0.2:7851", "10.0.0.2:7850"]), 7851);
  assert.equal(ownSyncPort(recorded, []), 7850);
  const up = selfUpdate({ endpoints: recorded, wgPort: 51871 }, ["10.0.0.2:7851"], ["10.0.0.2"], 0);
  assert.deepEqual(up.fields, {});
});
