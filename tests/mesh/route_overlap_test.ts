/**
 * @module route_overlap_test
 * Finding routes of other interfaces that claim mesh addresses, from
 * `ip -j route show table all` output: Tailscale's 100.64.0.0/10 in table 52,
 * a carrier's CGNAT address, a blackhole; not default routes, `throw`
 * routes, the mesh's own interface or unrelated prefixes. The parser
 * refuses garbage with a named error and never throws anything else.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { parseCidr } from "../../src/ip.ts";
import { findOverlaps, overlaps, parseIpRoutes } from "../../src/mesh/route_overlap.ts";

const MESH = ["100.64.0.1/32", "100.80.7.2/32", "fd12:3456:789a::/48"];

const TABLE = JSON.stringify([
  { dst: "default", gateway: "192.168.1.1", dev: "eth0" },
  { dst: "100.64.0.0/10", dev: "tailscale0", table: "52" },
  { type: "throw", dst: "100.64.0.0/10", table: "52" },
  { dst: "100.80.7.2", dev: "mycel0" },
  { type: "local", dst: "100.64.0.1", dev: "mycel0", table: "local" },
  { dst: "192.168.1.0/24", dev: "eth0" },
  { type: "blackhole", dst: "100.80.0.0/16" },
  { dst: "fd12:3456::/32", dev: "wg1" },
  { dst: "fd7a:115c:a1e0::/48", dev: "tailscale0", table: "52" },
]);

Deno.test("findOverlaps() names every other route that covers a mesh address", () => {
  const found = findOverlaps(parseIpRoutes(TABLE), "mycel0", MESH);
  assert.deepEqual(found, [
    {
      route: "100.64.0.0/10",
      dev: "tailscale0",
      table: "52",
      mesh: ["100.64.0.1/32", "100.80.7.2/32"],
    },
    { route: "100.80.0.0/16", dev: "blackhole", mesh: ["100.80.7.2/32"] },
    { route: "fd12:3456::/32", dev: "wg1", mesh: ["fd12:3456:789a::/48"] },
  ]);
});

Deno.test("findOverlaps() is quiet when only the mesh interface routes mesh addresses", () => {
  const routes = parseIpRoutes(JSON.stringify([
    { dst: "default", dev: "eth0" },
    { dst: "100.80.7.2", dev: "mycel0" },
    { dst: "fd12:3456:789a::/48", dev: "mycel0", protocol: "kernel" },
  ]));
  assert.deepEqual(findOverlaps(routes, "mycel0", MESH), []);
});

Deno.test("overlaps() is true exactly when one prefix contains the other", () => {
  const v4 = fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }));
  const text = ([n, len]: [number, number]) =>
    `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${len}`;
  const net = (n: number, len: number) => (len === 0 ? 0 : (n >>> (32 - len)) >>> 0);
  fc.assert(fc.property(v4, v4, (a, b) => {
    const bits = Math.min(a[1], b[1]);
    const expected = net(a[0], bits) === net(b[0], bits);
    assert.equal(overlaps(parseCidr(text(a)), parseCidr(text(b))), expected);
  }));
});

Deno.test("parseIpRoutes() refuses what is not a route list with a named error", () => {
  for (const bad of ["{", "{}", '"x"', "42"]) {
    assert.throws(() => parseIpRoutes(bad), (e) => isMycelError(e, "bad_route_table"));
  }
  assert.deepEqual(parseIpRoutes(""), []);
  fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
    try {
      findOverlaps(parseIpRoutes(text), "mycel0", MESH);
    } catch (e) {
      assert.ok(isMycelError(e, "bad_route_table"), String(e));
    }
  }));
});
