import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { parseWgConfig, renderWgConfig, type WgConfig } from "../../src/mesh/wg_config.ts";
import {
  isValidEndpoint,
  isWgKey,
  wgKeyFromBytes,
  wgKeyToBytes,
} from "../../src/mesh/wg_values.ts";
import assert from "node:assert/strict";
import { assertMycelError } from "../helpers/assert.ts";
import { assertEquals } from "./assert_helpers.ts";
import { applyEdits, junkLine, KEYS, lineEdits, peers } from "./wg_gen.ts";

const SAMPLE: WgConfig = {
  listenPort: 51820,
  peers: [
    {
      publicKey: KEYS.b.pub,
      allowedIps: ["100.64.12.7/32", "fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128"],
      endpoint: "laptop.home.arpa:51820",
      persistentKeepalive: 25,
    },
    { publicKey: KEYS.c.pub, allowedIps: ["100.64.200.9/32"] },
  ],
};

const SAMPLE_TEXT = `[Interface]
PrivateKey = ${KEYS.a.priv}
ListenPort = 51820

[Peer]
PublicKey = ${KEYS.b.pub}
AllowedIPs = 100.64.12.7/32, fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128
Endpoint = laptop.home.arpa:51820
PersistentKeepalive = 25

[Peer]
PublicKey = ${KEYS.c.pub}
AllowedIPs = 100.64.200.9/32
`;

Deno.test("renderWgConfig() writes the setconf format and parseWgConfig() reads it back", () => {
  assertEquals(renderWgConfig(SAMPLE, KEYS.a.priv), SAMPLE_TEXT);
  assertEquals(renderWgConfig(SAMPLE, wgKeyToBytes(KEYS.a.priv)), SAMPLE_TEXT, "key as bytes");
  assertEquals(parseWgConfig(SAMPLE_TEXT), { config: SAMPLE, privateKey: KEYS.a.priv });
});

Deno.test("renderWgConfig() omits what is absent and writes canonical addresses", () => {
  const text = renderWgConfig(
    { peers: [{ publicKey: KEYS.b.pub, allowedIps: ["FD00:0:0::1/128"] }] },
    KEYS.a.priv,
  );
  assertEquals(
    text,
    `[Interface]\nPrivateKey = ${KEYS.a.priv}\n\n[Peer]\nPublicKey = ${KEYS.b.pub}\nAllowedIPs = fd00::1/128\n`,
  );
});

Deno.test("parseWgConfig() accepts wg's own leniencies: case, comments, repeated AllowedIPs", () => {
  const text = `# written by hand\r
[interface]\r
privatekey=${KEYS.a.priv}   # trailing comment\r
\r
[ PEER ]\r
PublicKey = ${KEYS.b.pub}\r
AllowedIPs = 100.64.0.2/32\r
allowedips = fd00::2/128 , 10.0.0.0/8\r
PersistentKeepalive = off\r
`;
  assertEquals(parseWgConfig(text), {
    privateKey: KEYS.a.priv,
    config: {
      peers: [{
        publicKey: KEYS.b.pub,
        allowedIps: ["100.64.0.2/32", "fd00::2/128", "10.0.0.0/8"],
      }],
    },
  });
});

Deno.test("WireGuard keys must be canonical base64 of 32 bytes", () => {
  assert(isWgKey(KEYS.a.pub));
  // Same bytes' neighbour with non-zero unused bits: wg refuses it, so do we.
  assert(!isWgKey(KEYS.a.pub.slice(0, 42) + "9="), "non-canonical last digit");
  for (const bad of ["", KEYS.a.pub.slice(1), KEYS.a.pub + "=", KEYS.a.pub.replace("=", "A")]) {
    assert(!isWgKey(bad), bad);
  }
  const bytes = wgKeyToBytes(KEYS.c.pub);
  assertEquals(bytes.length, 32);
  assertEquals(wgKeyFromBytes(bytes), KEYS.c.pub);
  assertMycelError(() => wgKeyFromBytes(new Uint8Array(31)), "bad_key");
});

Deno.test("isValidEndpoint() accepts host:port forms and refuses injection", () => {
  for (const ok of ["1.2.3.4:51820", "[fd00::1]:1", "[fe80::1%eth0]:51820", "a-b.example:65535"]) {
    assert(isValidEndpoint(ok), ok);
  }
  const bad = [
    "1.2.3.4",
    "1.2.3.4:0",
    "1.2.3.4:65536",
    "fd00::1:51820",
    "[fd00::1]",
    "host:51820\nPrivateKey = x",
    "-host:1",
    "ho st:1",
    "[1.2.3.4]:1",
    "1.2.3.999:1",
    "01.2.3.4:1",
  ];
  for (const b of bad) assert(!isValidEndpoint(b), b);
});

Deno.test("renderWgConfig() refuses bad values, and never shows the private key", () => {
  const p = SAMPLE.peers[0];
  const cases: [WgConfig, string][] = [
    [{ peers: [{ ...p, publicKey: "nope" }] }, "nope"],
    [{ peers: [{ ...p, endpoint: "h:1\n[Peer]" }] }, "h:1"],
    [{ peers: [{ ...p, allowedIps: ["100.64.0.1"] }] }, "100.64.0.1"],
    [{ peers: [{ ...p, persistentKeepalive: 0 }] }, "0"],
    [{ listenPort: 70000, peers: [] }, "70000"],
    [{ peers: [p, p] }, p.publicKey],
  ];
  for (const [config, shown] of cases) {
    const e = assertMycelError(() => renderWgConfig(config, KEYS.a.priv), "bad_wg_config", shown);
    assert(e.message.includes(shown), e.message);
    assert(!e.message.includes(KEYS.a.priv), "private key leaked");
  }
  const secret = KEYS.a.priv.slice(0, 43) + "x";
  const e = assertMycelError(() => renderWgConfig(SAMPLE, secret), "bad_wg_config");
  assert(!e.message.includes(secret.slice(0, 20)), "bad private key echoed");
  assertMycelError(() => renderWgConfig(SAMPLE, new Uint8Array(16)), "bad_wg_config");
});

Deno.test("parseWgConfig() names the line of a mistake without echoing secrets", () => {
  const priv = `PrivateKey = ${KEYS.a.priv}`;
  const cases: [string, string][] = [
    ["", "exactly one [Interface]"],
    [`[Interface]\n${priv}\n[Interface]\n${priv}`, "exactly one [Interface]"],
    [`${priv}\n[Interface]`, "line 1"],
    [`[Interface]\nListenPort = 1`, "no PrivateKey"],
    [`[Interface]\n${priv}\n${priv}`, "line 3"],
    [`[Interface]\n${KEYS.a.priv}`, "line 2"],
    [`[Interface]\nPrivateKey: ${KEYS.a.priv} = x`, "line 2"],
    [`[Interface]\nPrivateKey = ${KEYS.a.priv.slice(2)}`, "line 2"],
    [`[Interface]\n${priv}\nFwMark = 1`, "fwmark"],
    [`[Interface]\n${priv}\n[Peer]\nAllowedIPs = 1.2.3.4/32`, "no PublicKey"],
    [
      `[Interface]\n${priv}\n[Peer]\nPublicKey = ${KEYS.b.pub}\nPresharedKey = ${KEYS.psk}`,
      "line 5",
    ],
    [`[Interface]\n${priv}\n[Peer]\nPublicKey = ${KEYS.b.pub}\nEndpoint = x`, "Endpoint"],
    [`[Interface]\n${priv}\n[Peer]\nPublicKey = ${KEYS.b.pub}\nPersistentKeepalive = -1`, "-1"],
    [
      `[Interface]\n${priv}\n[Peer]\nPublicKey = ${KEYS.b.pub}\n[Peer]\nPublicKey = ${KEYS.b.pub}`,
      "same",
    ],
  ];
  for (const [text, needle] of cases) {
    const e = assertMycelError(() => parseWgConfig(text), "bad_wg_config", needle);
    assert(e.message.includes(needle), `${needle} not in: ${e.message}`);
    assert(!e.message.includes(KEYS.a.priv.slice(2, 30)), `private key leaked: ${e.message}`);
    assert(!e.message.includes(KEYS.psk.slice(0, 30)), `preshared key leaked: ${e.message}`);
  }
});

Deno.test("parseWgConfig(renderWgConfig(c)) gives back c for any valid config", () => {
  fc.assert(
    fc.property(
      fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
      peers,
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (listenPort, ps, key) => {
        const config: WgConfig = listenPort === undefined
          ? { peers: ps }
          : { listenPort, peers: ps };
        const parsed = parseWgConfig(renderWgConfig(config, key));
        assertEquals(parsed.config, config);
        assertEquals(parsed.privateKey, wgKeyFromBytes(key));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("parseWgConfig() survives 10k damaged files with a MycelError or a result", () => {
  let parsed = 0;
  fc.assert(
    fc.property(peers, lineEdits, (ps, edits) => {
      const text = applyEdits(renderWgConfig({ listenPort: 51820, peers: ps }, KEYS.a.priv), edits);
      try {
        parseWgConfig(text);
        parsed++;
      } catch (e) {
        if (!isMycelError(e, "bad_wg_config")) throw e;
        if (e.message.includes(KEYS.a.priv)) throw new Error(`private key leaked: ${e.message}`);
      }
    }),
    { numRuns: 10_000 },
  );
  assert(parsed > 100, `only ${parsed} damaged files still parsed: the fuzz is too shallow`);
});

Deno.test("parseWgConfig() survives random lines in every position", () => {
  fc.assert(
    fc.property(fc.array(junkLine, { minLength: 1, maxLength: 8 }), (lines) => {
      try {
        parseWgConfig(lines.join(lines.length % 2 ? "\n" : "\r\n"));
      } catch (e) {
        if (!isMycelError(e, "bad_wg_config")) throw e;
        if (e.message.includes(KEYS.a.priv)) throw new Error(`private key leaked: ${e.message}`);
      }
    }),
    { numRuns: 5000 },
  );
});
