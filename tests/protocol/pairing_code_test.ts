/**
 * @module pairing_code_test
 * Pairing code: golden forms, forgiveness, every error, typo detection
 * (exhaustive substitutions and transpositions), round-trip properties and a
 * fuzz run that may only ever raise MycelError.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex, toHex } from "../../src/bytes.ts";
import { isMycelError, MycelError } from "../../src/errors.ts";
import {
  BASE32_ALPHABET,
  checkSymbol,
  symbolChar,
  symbolValue,
} from "../../src/protocol/base32_check.ts";
import {
  decodePairingCode,
  DEFAULT_PAIRING_PORT,
  encodePairingCode,
  generatePairingSecret,
  PAIRING_SECRET_BYTES,
} from "../../src/protocol/pairing_code.ts";
import { formatHost, parseHost } from "../../src/protocol/pairing_host.ts";
import { assertMycelError } from "../helpers/assert.ts";

const SECRET = fromHex("123456789a");
/** Symbols of a code without prefix and dashes. */
const body = (code: string) => code.replace(/^MYCEL-/, "").replaceAll("-", "");

Deno.test("encodePairingCode() uses the 16-character short form for IPv4 on the default port", () => {
  const code = encodePairingCode({
    host: "192.168.1.20",
    port: DEFAULT_PAIRING_PORT,
    secret: SECRET,
  });
  assert.equal(code, "MYCEL-70AG-08M2-8T5C-Y4TW");
  assert.equal(DEFAULT_PAIRING_PORT, 7853);
});

Deno.test("encodePairingCode() adds a group for a non-default port and uses 10 groups for IPv6", () => {
  assert.equal(
    encodePairingCode({ host: "192.168.1.20", port: 51820, secret: SECRET }),
    "MYCEL-70AG-08MS-9P14-D2PF-2D04",
  );
  assert.equal(
    encodePairingCode({ host: "2001:db8::1", port: 7853, secret: SECRET }),
    "MYCEL-4G02-3DR0-0000-0000-0000-0000-00HX-B8J6-HB7H-6G0S",
  );
});

Deno.test("decodePairingCode() reads all three forms back", () => {
  const table: [string, string, number][] = [
    ["MYCEL-70AG-08M2-8T5C-Y4TW", "192.168.1.20", 7853],
    ["MYCEL-70AG-08MS-9P14-D2PF-2D04", "192.168.1.20", 51820],
    ["MYCEL-4G02-3DR0-0000-0000-0000-0000-00HX-B8J6-HB7H-6G0S", "2001:db8::1", 7853],
  ];
  for (const [code, host, port] of table) {
    const decoded = decodePairingCode(code);
    assert.equal(decoded.host, host, code);
    assert.equal(decoded.port, port, code);
    assert.equal(toHex(decoded.secret), toHex(SECRET), code);
  }
});

Deno.test("decodePairingCode() forgives case, spacing, dashes, a missing prefix and look-alikes", () => {
  const variants = [
    "mycel-70ag-08m2-8t5c-y4tw",
    "70AG-08M2-8T5C-Y4TW",
    "70AG08M28T5CY4TW",
    "  MYCEL 70AG 08M2 8T5C Y4TW \n",
    "MYCEL70AG08M28T5CY4TW",
    "MYCEL\u201370AG\u201308M2\u20138T5C\u2013Y4TW",
    "MYCEL-7OAG-O8M2-8T5C-Y4TW", // O for 0
    "MYCEL-70AG-08M2-8T5C-Y4TW\u00a0", // no-break space from a chat paste
  ];
  for (const v of variants) {
    assert.equal(decodePairingCode(v).host, "192.168.1.20", JSON.stringify(v));
  }
  // I and L read as 1, U as V.
  const code = encodePairingCode({ host: "10.1.1.1", port: 7853, secret: fromHex("0000000000") });
  const ones = body(code).replaceAll("1", "l");
  assert.equal(decodePairingCode(ones).host, "10.1.1.1");
  assert.equal(decodePairingCode(body(code).replaceAll("1", "I")).host, "10.1.1.1");
  assert.equal(symbolValue("u"), symbolValue("V"));
});

Deno.test("decodePairingCode() reports an empty code", () => {
  for (const text of ["", "   ", "MYCEL-", "mycel - -"]) {
    const e = assertMycelError(() => decodePairingCode(text));
    assert.equal(e.code, "pairing_code_empty", JSON.stringify(text));
    assert.equal(e.exit, 2);
  }
});

Deno.test("decodePairingCode() names an invalid character and its position", () => {
  const e = assertMycelError(() => decodePairingCode("MYCEL-70AG-0#M2-8T5C-Y4TW"));
  assert.equal(e.code, "pairing_code_character");
  assert.equal(e.message, 'Cannot read pairing code: invalid character ("#" at position 13)');
  assert.equal(e.exit, 2);
  const bell = assertMycelError(() => decodePairingCode("70AG\u000708M2"));
  assert.equal(bell.message, "Cannot read pairing code: invalid character (U+0007 at position 5)");
});

Deno.test("decodePairingCode() reports a wrong length", () => {
  for (const text of ["MYCEL-70AG-08M2-8T5C-Y4T", "MYCEL-70AG-08M2-8T5C-Y4TW-0", "70AG"]) {
    const e = assertMycelError(() => decodePairingCode(text));
    assert.equal(e.code, "pairing_code_length", text);
    assert.equal(e.exit, 2);
  }
});

Deno.test("decodePairingCode() reports a single wrong character as a typo", () => {
  const e = assertMycelError(() => decodePairingCode("MYCEL-70AG-08M2-8T5C-Y4TX"));
  assert.equal(e.code, "pairing_code_typo");
  assert.equal(e.exit, 2);
  assert.equal(e.message.includes("check character does not match — typo?"), true);
});

/** Values with a correct check symbol appended, as text. */
function withCheck(values: number[]): string {
  return [...values, checkSymbol(values)].map(symbolChar).join("");
}

Deno.test("decodePairingCode() reports an unsupported version, even at a new length", () => {
  const v2 = [2 << 2, ...new Array(14).fill(0)]; // version 2, 16 symbols
  assert.equal(
    assertMycelError(() => decodePairingCode(withCheck(v2))).code,
    "pairing_code_version",
  );
  const longer = [3 << 2, ...new Array(22).fill(7)]; // version 3, 24 symbols
  const e = assertMycelError(() => decodePairingCode(withCheck(longer)));
  assert.equal(e.code, "pairing_code_version");
  assert.equal(e.message, "Cannot read pairing code: unsupported code version (3)");
});

Deno.test("decodePairingCode() refuses non-zero reserved bits and port 0", () => {
  const port = body(encodePairingCode({ host: "10.0.0.1", port: 9, secret: SECRET }));
  const values = [...port].slice(0, -1).map((c) => symbolValue(c)!);
  values[values.length - 1] |= 1; // the 4 pad bits are the low bits of the last data symbol
  assert.equal(
    assertMycelError(() => decodePairingCode(withCheck(values))).code,
    "pairing_code_version",
  );
  // version 1, 10.0.0.1, port 0: rebuild the port field as zeros by hand.
  const zero = [...port].slice(0, -1).map((c) => symbolValue(c)!);
  const bits = zero.map((v) => v.toString(2).padStart(5, "0")).join("");
  const patched = bits.slice(0, 35) + "0".repeat(16) + bits.slice(51);
  const back = patched.match(/.{5}/g)!.map((b) => parseInt(b, 2));
  assert.equal(
    assertMycelError(() => decodePairingCode(withCheck(back))).code,
    "pairing_code_port",
  );
});

Deno.test("decodePairingCode() catches every single-character substitution (exhaustive)", () => {
  const codes = [
    encodePairingCode({ host: "192.168.1.20", port: 7853, secret: SECRET }),
    encodePairingCode({ host: "0.0.0.0", port: 7853, secret: fromHex("0000000000") }),
    encodePairingCode({ host: "255.255.255.255", port: 65535, secret: fromHex("ffffffffff") }),
    encodePairingCode({ host: "fd00::abcd", port: 1, secret: SECRET }),
  ];
  for (const code of codes) {
    const symbols = body(code);
    for (let i = 0; i < symbols.length; i++) {
      for (const ch of BASE32_ALPHABET + "OILU") {
        if (symbolValue(ch) === symbolValue(symbols[i])) continue;
        const typo = symbols.slice(0, i) + ch + symbols.slice(i + 1);
        assert.equal(
          assertMycelError(() => decodePairingCode(typo)).code,
          "pairing_code_typo",
          `${i}:${ch}`,
        );
      }
    }
  }
});

Deno.test("decodePairingCode() catches every adjacent transposition, across dashes too", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 4, maxLength: 4 }),
      fc.uint8Array({ minLength: 5, maxLength: 5 }),
      fc.integer({ min: 1, max: 65535 }),
      (ip, secret, port) => {
        const symbols = body(encodePairingCode({ host: formatHost(ip), port, secret }));
        for (let i = 0; i + 1 < symbols.length; i++) {
          if (symbols[i] === symbols[i + 1]) continue;
          const swapped = symbols.slice(0, i) + symbols[i + 1] + symbols[i] + symbols.slice(i + 2);
          const grouped = "MYCEL-" + swapped.match(/.{4}/g)!.join("-");
          assert.equal(
            assertMycelError(() => decodePairingCode(grouped)).code,
            "pairing_code_typo",
            `${i}`,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("decodePairingCode() never echoes the secret in an error", () => {
  const code = encodePairingCode({ host: "10.0.0.2", port: 7853, secret: fromHex("c0ffee1234") });
  const typo = code.slice(0, -1) + (code.endsWith("0") ? "1" : "0");
  const e = assertMycelError(() => decodePairingCode(typo));
  for (const group of code.split("-").slice(2)) {
    assert.equal(e.message.includes(group), false, group);
  }
  assert.equal(String(e.hint ?? "").includes(body(code)), false);
});

const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatHost);
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).filter((b) =>
  !b.subarray(0, 12).every((x, i) => x === (i < 10 ? 0 : 0xff))
).map(formatHost);
const secret = fc.uint8Array({ minLength: PAIRING_SECRET_BYTES, maxLength: PAIRING_SECRET_BYTES });

Deno.test("pairing codes round-trip for random hosts, ports and secrets", () => {
  fc.assert(
    fc.property(
      fc.oneof(ipv4, ipv6),
      fc.oneof(fc.constant(DEFAULT_PAIRING_PORT), fc.integer({ min: 1, max: 65535 })),
      secret,
      (host, port, s) => {
        const code = encodePairingCode({ host, port, secret: s });
        const groups = code.split("-").length - 1;
        assert.equal(groups, host.includes(":") ? 10 : port === DEFAULT_PAIRING_PORT ? 4 : 5);
        const back = decodePairingCode(code);
        assert.equal(back.host, host);
        assert.equal(back.port, port);
        assert.equal(toHex(back.secret), toHex(s));
        assert.equal(decodePairingCode(code.toLowerCase().replaceAll("-", " ")).host, host);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("decodePairingCode() fuzzed with random text only ever throws MycelError", () => {
  const chars = fc.constantFrom(
    ..."0123456789ABCDEFGHJKMNPQRSTVWXYZabcxyzOILU -_#.:é\u2013\u00a0\t\u{1F600}",
  );
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: chars, maxLength: 60 }),
    fc.string({ unit: fc.constantFrom(...BASE32_ALPHABET), minLength: 16, maxLength: 16 }),
    fc.string({ unit: fc.constantFrom(...BASE32_ALPHABET), minLength: 20, maxLength: 20 }),
    fc.string({ unit: fc.constantFrom(...BASE32_ALPHABET), minLength: 40, maxLength: 40 }),
  );
  fc.assert(
    fc.property(text, (t) => {
      try {
        const r = decodePairingCode(t);
        assert.equal(r.secret.length, PAIRING_SECRET_BYTES);
      } catch (e) {
        if (!(e instanceof MycelError)) throw e;
      }
    }),
    { numRuns: 12000 },
  );
});

Deno.test("generatePairingSecret() returns 40 bits from the injected source", () => {
  assert.equal(generatePairingSecret().length, 5);
  assert.equal(toHex(generatePairingSecret((n) => new Uint8Array(n).fill(7))), "0707070707");
  assert.equal(
    assertMycelError(() => generatePairingSecret(() => new Uint8Array(3))).code,
    "pairing_code_secret",
  );
});

Deno.test("encodePairingCode() refuses bad hosts, ports and secrets", () => {
  const bad = (host: string, port = 7853, s = SECRET) =>
    assertMycelError(() => encodePairingCode({ host, port, secret: s })).code;
  for (
    const host of [
      "",
      "example.org",
      "1.2.3",
      "256.1.1.1",
      "01.2.3.4",
      "1::2::3",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7:8:9",
      "1.2.3.4::",
      "12345::",
    ]
  ) {
    assert.equal(bad(host), "pairing_code_host", host);
  }
  for (const port of [0, -1, 65536, 1.5, NaN]) {
    assert.equal(bad("10.0.0.1", port), "pairing_code_port");
  }
  assert.equal(bad("10.0.0.1", 7853, new Uint8Array(4)), "pairing_code_secret");
  assert.equal(isMycelError(assertMycelError(() => parseHost("x"))), true);
});

Deno.test("host text is parsed and printed canonically (RFC 5952)", () => {
  const table: [string, string][] = [
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["fe80::", "fe80::"],
    ["[fd12:3456::7]", "fd12:3456::7"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["64:ff9b::192.0.2.1", "64:ff9b::c000:201"],
    ["0.0.0.0", "0.0.0.0"],
  ];
  for (const [input, canonical] of table) {
    assert.equal(formatHost(parseHost(input)), canonical, input);
  }
});
