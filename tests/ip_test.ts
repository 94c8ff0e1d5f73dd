import fc from "fast-check";
import { assertMycelError } from "./helpers/assert.ts";
import { assertEquals } from "./mesh/assert_helpers.ts";
import { formatCidr, formatIpv4, formatIpv6, parseCidr, parseIpv4, parseIpv6 } from "../src/ip.ts";

Deno.test("parseIpv4() and formatIpv4() round-trip dotted quads", () => {
  for (
    const [text, n] of [["0.0.0.0", 0], ["100.64.0.1", 0x64400001], [
      "255.255.255.255",
      0xffffffff,
    ]] as const
  ) {
    assertEquals(parseIpv4(text), n);
    assertEquals(formatIpv4(n), text);
  }
});

Deno.test("parseIpv4() refuses ambiguous or malformed text", () => {
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.0.0.1",
      "01.2.3.4",
      "1.2.3.-4",
      " 1.2.3.4",
      "1..3.4",
      "a.b.c.d",
    ]
  ) {
    assertMycelError(() => parseIpv4(bad), "bad_address", bad);
  }
});

Deno.test("formatIpv6() follows RFC 5952", () => {
  const cases: [string, string][] = [
    ["2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"], // one zero group stays
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"], // the longest run is shortened
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"], // the first of equal runs
    ["FD00::ABCD", "fd00::abcd"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
  ];
  for (const [input, want] of cases) assertEquals(formatIpv6(parseIpv6(input)), want, input);
});

Deno.test("parseIpv6() refuses malformed text", () => {
  for (
    const bad of [
      "",
      ":",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "g::",
      "1:2:3:4:5:6:7:8::",
      "fe80::1%eth0",
      "1.2.3.4::",
    ]
  ) {
    assertMycelError(() => parseIpv6(bad), "bad_address", bad);
  }
});

Deno.test("formatIpv6() agrees with the WHATWG URL serializer and parses back", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.integer({ min: 0, max: 7 }),
      (b, zeros) => {
        b.fill(0, 16 - 2 * zeros); // make zero runs common
        const text = formatIpv6(b);
        assertEquals(parseIpv6(text), b);
        const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255;
        if (!mapped) assertEquals(new URL(`http://[${text}]/`).hostname, `[${text}]`);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("parseCidr() reads both families and checks the prefix length", () => {
  assertEquals(formatCidr(parseCidr("100.64.0.0/10")), "100.64.0.0/10");
  assertEquals(formatCidr(parseCidr("FD12:0::/48")), "fd12::/48");
  assertEquals(parseCidr("::/0").family, 6);
  for (
    const bad of ["100.64.0.0", "100.64.0.0/33", "::/129", "1.2.3.4/-1", "1.2.3.4/08", "/8", "x/8"]
  ) {
    assertMycelError(() => parseCidr(bad), "bad_address", bad);
  }
});
