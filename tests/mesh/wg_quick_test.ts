import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { formatIpv4 } from "../../src/ip.ts";
import {
  parseWgQuickConfig,
  renderWgQuickConfig,
  type WgQuickConfig,
} from "../../src/mesh/wg_quick.ts";
import assert from "node:assert/strict";
import { assertMycelError } from "../helpers/assert.ts";
import { assertEquals } from "./assert_helpers.ts";
import { applyEdits, cidr, KEYS, lineEdits, peers } from "./wg_gen.ts";

const PHONE: WgQuickConfig = {
  addresses: ["100.64.12.7/32", "fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128"],
  dns: ["100.64.0.1"],
  peers: [{
    publicKey: KEYS.b.pub,
    allowedIps: ["100.64.0.0/10", "fd3a:9c1e:44b0::/48"],
    endpoint: "203.0.113.5:51820",
    persistentKeepalive: 25,
  }],
};

const PHONE_TEXT = `[Interface]
PrivateKey = ${KEYS.a.priv}
Address = 100.64.12.7/32, fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128
DNS = 100.64.0.1

[Peer]
PublicKey = ${KEYS.b.pub}
AllowedIPs = 100.64.0.0/10, fd3a:9c1e:44b0::/48
Endpoint = 203.0.113.5:51820
PersistentKeepalive = 25
`;

Deno.test("renderWgQuickConfig() writes what wg-quick and the WireGuard apps import", () => {
  assertEquals(renderWgQuickConfig(PHONE, KEYS.a.priv), PHONE_TEXT);
  assertEquals(parseWgQuickConfig(PHONE_TEXT), { config: PHONE, privateKey: KEYS.a.priv });
});

Deno.test("renderWgQuickConfig() accepts DNS search domains and IPv6 servers, canonically", () => {
  const text = renderWgQuickConfig(
    { addresses: ["100.64.1.1/10"], dns: ["FD00::53", "home.arpa"], listenPort: 0, peers: [] },
    KEYS.a.priv,
  );
  assert(text.includes("DNS = fd00::53, home.arpa\nListenPort = 0\n"), text);
});

Deno.test("renderWgQuickConfig() refuses a config a phone could not use", () => {
  const cases: [WgQuickConfig, string][] = [
    [{ addresses: [], peers: [] }, "needs an Address"],
    [{ addresses: ["100.64.1.1"], peers: [] }, "100.64.1.1"],
    [{ addresses: ["100.64.1.1/32"], dns: ["1.2.3"], peers: [] }, "1.2.3"],
    [{ addresses: ["100.64.1.1/32"], dns: ["a.b\nPostUp = rm"], peers: [] }, "DNS"],
    [{ addresses: ["100.64.1.1/32"], dns: ["fd00::1::2"], peers: [] }, "fd00::1::2"],
  ];
  for (const [config, needle] of cases) {
    const e = assertMycelError(() => renderWgQuickConfig(config, KEYS.a.priv), "bad_wg_config");
    assert(e.message.includes(needle), e.message);
  }
  assertMycelError(() => renderWgQuickConfig(PHONE, "secret"), "bad_wg_config");
});

Deno.test("parseWgQuickConfig() refuses missing or unknown interface keys", () => {
  const cases = [
    `[Interface]\nAddress = 100.64.0.1/32`,
    `[Interface]\nPrivateKey = ${KEYS.a.priv}`,
    `[Interface]\nPrivateKey = ${KEYS.a.priv}\nAddress = 100.64.0.1/32\nPostUp = rm -rf /`,
  ];
  for (const text of cases) {
    const e = assertMycelError(() => parseWgQuickConfig(text), "bad_wg_config", text);
    assert(!e.message.includes(KEYS.a.priv), "private key leaked");
  }
});

Deno.test("parseWgQuickConfig(renderWgQuickConfig(c)) gives back c", () => {
  const dns = fc.array(fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4), { maxLength: 2 });
  fc.assert(
    fc.property(fc.array(cidr, { minLength: 1, maxLength: 3 }), dns, peers, (addresses, d, ps) => {
      const config: WgQuickConfig = d.length > 0
        ? { addresses, dns: d, peers: ps }
        : { addresses, peers: ps };
      assertEquals(parseWgQuickConfig(renderWgQuickConfig(config, KEYS.c.priv)).config, config);
    }),
    { numRuns: 300 },
  );
});

Deno.test("parseWgQuickConfig() survives damaged files with a MycelError or a result", () => {
  fc.assert(
    fc.property(peers, lineEdits, (ps, edits) => {
      const text = applyEdits(renderWgQuickConfig({ ...PHONE, peers: ps }, KEYS.a.priv), edits);
      try {
        parseWgQuickConfig(text);
      } catch (e) {
        if (!isMycelError(e, "bad_wg_config")) throw e;
        if (e.message.includes(KEYS.a.priv)) throw new Error(`private key leaked: ${e.message}`);
      }
    }),
    { numRuns: 3000 },
  );
});
