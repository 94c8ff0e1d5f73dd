/**
 * @module endpoint_test
 * `HOST:PORT` endpoints: a table of good and bad inputs, IPv6 brackets,
 * formatting round trips, and a fuzz run.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { isIpv4 } from "../../src/ip.ts";
import { formatEndpoint, parseEndpoint } from "../../src/log/endpoint.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { endpointArb } from "./helpers.ts";

const GOOD: [string, string, number][] = [
  ["192.168.1.20:7850", "192.168.1.20", 7850],
  ["0.0.0.0:1", "0.0.0.0", 1],
  ["255.255.255.255:65535", "255.255.255.255", 65535],
  ["localhost:7850", "localhost", 7850],
  ["laptop.local:22", "laptop.local", 22],
  ["a-b.example.com:443", "a-b.example.com", 443],
  ["X:1", "X", 1],
  ["[fd00::1]:7850", "fd00::1", 7850],
  ["[::1]:80", "::1", 80],
  ["[::]:80", "::", 80],
  ["[2001:DB8:0:0:0:0:0:1]:9", "2001:DB8:0:0:0:0:0:1", 9],
  ["[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80],
  ["[fe80::1%eth0]:7850", "fe80::1%eth0", 7850],
];

const BAD = [
  "",
  "host",
  "host:",
  ":80",
  "host:0",
  "host:65536",
  "host:99999",
  "host:123456",
  "host:-1",
  "host:+80",
  "host:8 0",
  "host:80 ",
  " host:80",
  "host:0x50",
  "host:80:80",
  "fd00::1:7850", // IPv6 without brackets
  "[fd00::1]", // no port
  "[fd00::1]:", // empty port
  "[fd00::1]:0",
  "[]:80",
  "[host]:80", // brackets hold IPv6 only
  "[192.168.1.1]:80",
  "[[::1]]:80",
  "[::1:80",
  "::1]:80",
  "-host:80",
  "host-:80",
  "a..b:80",
  ".host:80",
  "host.:80",
  "ho st:80",
  "hö st:80",
  "ex_ample.com:80",
  `${"a".repeat(64)}:80`, // label longer than 63
  `${Array(64).fill("abc").join(".")}:80`, // name longer than 253
  "host:80\n",
  "host\n:80",
];

Deno.test("parseEndpoint() accepts IPv4, bracketed IPv6 and DNS names with a port", () => {
  for (const [text, host, port] of GOOD) {
    assert.deepEqual(parseEndpoint(text), { host, port }, text);
  }
});

Deno.test("parseEndpoint() rejects malformed endpoints with bad_endpoint (usage)", () => {
  for (const text of BAD) {
    const e = assertMycelError(() => parseEndpoint(text), "bad_endpoint", JSON.stringify(text));
    assert.equal(e.exit, 2);
    assert.ok(e.hint?.includes("HOST:PORT"));
  }
});

Deno.test("parseEndpoint() accepts port numbers with leading zeros (normalised by formatEndpoint)", () => {
  // Documenting current behaviour: "host:00080" is port 80; the decoder
  // stores formatEndpoint(parseEndpoint(x)), so the wire form is canonical.
  assert.deepEqual(parseEndpoint("host:00080"), { host: "host", port: 80 });
  assert.equal(formatEndpoint(parseEndpoint("[::1]:080")), "[::1]:80");
});

Deno.test("parseEndpoint() rejects bracketed hosts that are not IPv6 literals", () => {
  // BUG: the IPv6 check is /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/ plus "contains a
  // colon", so any run of hex digits and colons passes.
  for (
    const text of ["[1::2::3]:80", "[:::]:80", "[1:2:3:4:5:6:7:8:9]:80", "[12345::1]:80", "[:]:80"]
  ) {
    assertMycelError(() => parseEndpoint(text), "bad_endpoint", text);
  }
});

Deno.test("parseEndpoint() rejects dotted numbers that are not IPv4 addresses", () => {
  // BUG: "256.1.1.1" fails the IPv4 pattern but passes the DNS-name pattern;
  // RFC 1123 §2.1: a host name never has an all-numeric top-level label.
  for (const text of ["256.1.1.1:80", "1.2.3:80", "999.999.999.999:80", "01.2.3.4:80"]) {
    assertMycelError(() => parseEndpoint(text), "bad_endpoint", text);
  }
});

Deno.test("formatEndpoint() puts IPv6 hosts in brackets and round-trips with parseEndpoint()", () => {
  assert.equal(formatEndpoint({ host: "fd00::1", port: 7850 }), "[fd00::1]:7850");
  assert.equal(formatEndpoint({ host: "10.0.0.1", port: 1 }), "10.0.0.1:1");
  fc.assert(
    fc.property(endpointArb, (text) => {
      assert.equal(formatEndpoint(parseEndpoint(text)), text);
    }),
    { seed: 11, numRuns: 500 },
  );
});

Deno.test("isIpv4() accepts dotted quads only", () => {
  for (const ok of ["0.0.0.0", "10.0.0.1", "255.255.255.255", "100.64.0.1"]) {
    assert.ok(isIpv4(ok), ok);
  }
  for (const no of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "", "1.2.3.4 "]) {
    assert.ok(!isIpv4(no), no);
  }
});

Deno.test("parseEndpoint() fuzz: only bad_endpoint errors, and accepted input round-trips", () => {
  const chars = fc.constantFrom(..."0123456789abcdefABCDEF:.[]%-_ zé\n", "::", "]:", "[::");
  const textArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ unit: chars, maxLength: 30 }),
    endpointArb.chain((e) =>
      fc.tuple(fc.nat(e.length), fc.string({ unit: chars, maxLength: 3 })).map(([i, s]) =>
        e.slice(0, i) + s + e.slice(i + 1)
      )
    ),
  );
  fc.assert(
    fc.property(textArb, (text) => {
      let ep;
      try {
        ep = parseEndpoint(text);
      } catch (e) {
        assert.ok(isMycelError(e, "bad_endpoint"), `unexpected ${e}`);
        return;
      }
      assert.ok(ep.port >= 1 && ep.port <= 65535);
      assert.ok(!/[\s\[\]]/.test(ep.host), ep.host);
      // Formatting an accepted endpoint gives text that parses to the same thing.
      assert.deepEqual(parseEndpoint(formatEndpoint(ep)), ep);
    }),
    { seed: 12, numRuns: 10_000 },
  );
});
