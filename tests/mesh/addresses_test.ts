import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8 } from "../../src/bytes.ts";
import {
  allocateIpv4,
  deviceIpv6,
  deviceIpv6Bytes,
  formatIpv4,
  interfaceId,
  type Ipv4Claim,
  isInCgnat,
  meshUlaCidr,
  meshUlaPrefix,
  parseIpv4,
  resolveIpv4Collisions,
} from "../../src/mesh/addresses.ts";
import { parseCidr, parseIpv6 } from "../../src/ip.ts";
import assert from "node:assert/strict";
import { assertMycelError } from "../helpers/assert.ts";
import { assertEquals } from "./assert_helpers.ts";

const key = (n: number) => sha256(utf8(`device key ${n}`)); // stand-in 32-byte public keys

Deno.test("meshUlaPrefix() is fd + 40 bits of SHA-256('mycel-ula' || meshId)", () => {
  const prefix = meshUlaPrefix("mesh-1");
  const h = sha256(concatBytes(utf8("mycel-ula"), utf8("mesh-1")));
  assertEquals(prefix, concatBytes(Uint8Array.of(0xfd), h.subarray(0, 5)));
  assertEquals(meshUlaPrefix("mesh-1"), prefix, "stable");
  assert(meshUlaCidr("mesh-1").endsWith("::/48"), meshUlaCidr("mesh-1"));
  assertEquals(parseCidr(meshUlaCidr("mesh-1")).bytes.subarray(0, 6), prefix);
});

Deno.test("every mesh's ULA prefix lies inside fd00::/8", () => {
  fc.assert(
    fc.property(fc.string(), (meshId) => {
      const p = meshUlaPrefix(meshId);
      assertEquals(p.length, 6);
      assertEquals(p[0], 0xfd);
      assert(meshUlaCidr(meshId).startsWith("fd"), meshUlaCidr(meshId));
    }),
  );
  assert(meshUlaCidr("a") !== meshUlaCidr("b"), "different meshes, same prefix");
});

Deno.test("deviceIpv6() puts the key's interface id under the mesh prefix, subnet 0", () => {
  const b = deviceIpv6Bytes("mesh-1", key(1));
  assertEquals(b.subarray(0, 6), meshUlaPrefix("mesh-1"));
  assertEquals(b.subarray(6, 8), new Uint8Array(2));
  assertEquals(b.subarray(8), interfaceId(key(1)));
  assertEquals(
    interfaceId(key(1)),
    sha256(concatBytes(utf8("mycel-iid"), key(1), Uint8Array.of(0))).slice(0, 8),
  );
  const text = deviceIpv6("mesh-1", key(1));
  assertEquals(parseIpv6(text), b);
  assertEquals(text, text.toLowerCase());
  assertEquals(deviceIpv6("mesh-1", key(1)), text, "stable");
  assertMycelError(() => deviceIpv6("mesh-1", new Uint8Array(31)), "bad_key");
});

Deno.test("different devices get different IPv6 addresses", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) seen.add(deviceIpv6("mesh-1", key(i)));
  assertEquals(seen.size, 1000);
});

Deno.test("parseIpv4(), formatIpv4() and isInCgnat() agree on 100.64.0.0/10", () => {
  assertEquals(formatIpv4(parseIpv4("100.64.0.1")), "100.64.0.1");
  for (const inside of ["100.64.0.0", "100.127.255.255", "100.100.1.2"]) assert(isInCgnat(inside));
  for (const outside of ["100.63.255.255", "100.128.0.0", "10.0.0.1", "0.0.0.0"]) {
    assert(!isInCgnat(outside), outside);
  }
  assert(isInCgnat(0x64400001));
  assertMycelError(() => isInCgnat("100.64.0"), "bad_address");
});

Deno.test("allocateIpv4() is deterministic, inside 100.64.0.0/10, and skips .0/.255", () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (meshId, deviceId) => {
      const ip = allocateIpv4(meshId, deviceId, new Set());
      assert(isInCgnat(ip), ip);
      assertEquals(allocateIpv4(meshId, deviceId, new Set()), ip);
      const last = parseIpv4(ip) & 255;
      assert(last !== 0 && last !== 255, ip);
    }),
    { numRuns: 2000 },
  );
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  assert(allocateIpv4("ab", "c", new Set()) !== allocateIpv4("a", "bc", new Set()));
});

Deno.test("allocateIpv4() skips taken addresses and falls back to a scan", () => {
  const first = allocateIpv4("mesh-1", "dev-1", new Set());
  const second = allocateIpv4("mesh-1", "dev-1", new Set([first]));
  assert(second !== first && isInCgnat(second), second);
  // Take every hashed candidate: the scan must still find a free address.
  const taken = new Set<string>();
  for (let i = 0; i < 64; i++) taken.add(allocateIpv4("mesh-1", "dev-1", taken));
  const scanned = allocateIpv4("mesh-1", "dev-1", taken);
  assert(!taken.has(scanned) && isInCgnat(scanned), scanned);
});

Deno.test("allocating 1000 devices one by one never gives two the same IPv4", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), (meshId) => {
      const taken = new Set<string>();
      for (let i = 0; i < 1000; i++) {
        const ip = allocateIpv4(meshId, `device-${i}`, taken);
        assert(!taken.has(ip) && isInCgnat(ip), ip);
        taken.add(ip);
      }
      assertEquals(taken.size, 1000);
    }),
    { numRuns: 10 },
  );
});

Deno.test("resolveIpv4Collisions() lets the earlier admission keep the address, then the lower id", () => {
  const claims: Ipv4Claim[] = [
    { deviceId: "PHONE", ipv4: "100.64.1.1", admittedAt: 2000 },
    { deviceId: "LAPTOP", ipv4: "100.64.1.1", admittedAt: 1000 },
    { deviceId: "SERVER", ipv4: "100.64.2.2", admittedAt: 500 },
    { deviceId: "DESKB", ipv4: "100.64.2.2", admittedAt: 500 },
    { deviceId: "DESKA", ipv4: "100.64.3.3", admittedAt: 1 },
    { deviceId: "DESKA", ipv4: "100.64.3.3", admittedAt: 1 }, // listed twice: no collision
  ];
  const want = {
    keep: new Map([["100.64.1.1", "LAPTOP"], ["100.64.2.2", "DESKB"]]),
    move: ["PHONE", "SERVER"],
  };
  assertEquals(resolveIpv4Collisions(claims), want);
  fc.assert(
    fc.property(fc.shuffledSubarray(claims, { minLength: claims.length }), (shuffled) => {
      assertEquals(resolveIpv4Collisions(shuffled), want);
    }),
  );
  assertEquals(resolveIpv4Collisions([]), { keep: new Map(), move: [] });
});
