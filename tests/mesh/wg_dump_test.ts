import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import {
  handshakeAgeSeconds,
  parseWgDump,
  type WgDump,
  type WgDumpPeer,
} from "../../src/mesh/wg_dump.ts";
import assert from "node:assert/strict";
import { assertMycelError } from "../helpers/assert.ts";
import { assertEquals } from "./assert_helpers.ts";
import { applyEdits, cidr, endpoint, junkLine, KEYS, lineEdits, wgKey } from "./wg_gen.ts";

// As `wg show mycel0 dump` prints it (wg(8): tab-separated, "(none)"/"off"
// for absent values, handshake 0 = never, fwmark as 0x… hex).
const SAMPLE = [
  [KEYS.a.priv, KEYS.a.pub, "51820", "0xca6c"],
  [
    KEYS.b.pub,
    "(none)",
    "203.0.113.5:51820",
    "100.64.12.7/32,fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128",
    "1732451234",
    "123456",
    "654321",
    "25",
  ],
  [KEYS.c.pub, KEYS.psk, "(none)", "100.64.200.9/32", "0", "0", "0", "off"],
].map((f) => f.join("\t")).join("\n") + "\n";

Deno.test("parseWgDump() reads a wg show dump and drops the private and preshared keys", () => {
  const dump = parseWgDump(SAMPLE);
  assertEquals(dump, {
    interface: { publicKey: KEYS.a.pub, listenPort: 51820, fwmark: 0xca6c },
    peers: [
      {
        publicKey: KEYS.b.pub,
        hasPresharedKey: false,
        endpoint: "203.0.113.5:51820",
        allowedIps: ["100.64.12.7/32", "fd3a:9c1e:44b0:0:1c2d:3e4f:5a6b:7c8d/128"],
        latestHandshake: 1732451234,
        rxBytes: 123456,
        txBytes: 654321,
        persistentKeepalive: 25,
      },
      {
        publicKey: KEYS.c.pub,
        hasPresharedKey: true,
        endpoint: null,
        allowedIps: ["100.64.200.9/32"],
        latestHandshake: null,
        rxBytes: 0,
        txBytes: 0,
        persistentKeepalive: null,
      },
    ],
  });
  const json = JSON.stringify(dump);
  assert(!json.includes(KEYS.a.priv) && !json.includes(KEYS.psk), "a secret was returned");
});

Deno.test("parseWgDump() reads an interface that is down or has no peers", () => {
  assertEquals(parseWgDump("(none)\t(none)\t0\toff"), {
    interface: { publicKey: null, listenPort: 0, fwmark: null },
    peers: [],
  });
  assertEquals(parseWgDump(`${KEYS.a.priv}\t${KEYS.a.pub}\t51820\t42\r\n`).interface.fwmark, 42);
  const v6 = `${KEYS.b.pub}\t(none)\t[fe80::1%eth0]:51820\t(none)\t5\t1\t2\toff`;
  assertEquals(
    parseWgDump(`(none)\t(none)\t0\toff\n${v6}`).peers[0].endpoint,
    "[fe80::1%eth0]:51820",
  );
});

Deno.test("parseWgDump() names the bad line and never echoes a secret", () => {
  const head = `${KEYS.a.priv}\t${KEYS.a.pub}\t51820\toff`;
  const peer = (i: number, v: string) => {
    const f = SAMPLE.split("\n")[2].split("\t");
    f[i] = v;
    return `${head}\n${f.join("\t")}`;
  };
  const cases: [string, string][] = [
    ["", "empty"],
    ["\n", "empty"],
    [KEYS.a.priv, "line 1"],
    [`${head}\textra`, "line 1"],
    [`${KEYS.a.priv.slice(1)}\t${KEYS.a.pub}\t51820\toff`, "private key is malformed"],
    [`${KEYS.a.priv}\tnope\t51820\toff`, "nope"],
    [`${KEYS.a.priv}\t${KEYS.a.pub}\t65536\toff`, "65536"],
    [`${KEYS.a.priv}\t${KEYS.a.pub}\t1\t0xfffffffff`, "fwmark"],
    [`${head}\n`.repeat(2), "line 2"],
    [`${head}\n\n`, "line 2"],
    [peer(0, "x"), "line 2"],
    [peer(1, KEYS.psk.slice(1)), "preshared key"],
    [peer(2, "1.2.3.4"), "1.2.3.4"],
    [peer(3, "100.64.0.1/33"), "100.64.0.1/33"],
    [peer(4, "-1"), "latest-handshake"],
    [peer(5, "1e9"), "transfer-rx"],
    [peer(6, "0x10"), "transfer-tx"],
    [peer(7, "on"), "persistent-keepalive"],
    [`${peer(0, KEYS.b.pub)}\n${peer(0, KEYS.b.pub).split("\n")[1]}`, "twice"],
  ];
  for (const [text, needle] of cases) {
    const e = assertMycelError(() => parseWgDump(text), "bad_wg_dump", needle);
    assert(e.message.includes(needle), `${needle} not in: ${e.message}`);
    for (const secret of [KEYS.a.priv, KEYS.psk]) {
      assert(!e.message.includes(secret.slice(2, 30)), `secret leaked: ${e.message}`);
    }
  }
});

Deno.test("handshakeAgeSeconds() is null for never and never negative", () => {
  const [b, c] = parseWgDump(SAMPLE).peers;
  assertEquals(handshakeAgeSeconds(b, 1732451300), 66);
  assertEquals(handshakeAgeSeconds(b, 1732451000), 0);
  assertEquals(handshakeAgeSeconds(c, 1732451300), null);
});

const dumpPeer: fc.Arbitrary<WgDumpPeer> = fc.record({
  publicKey: wgKey,
  hasPresharedKey: fc.boolean(),
  endpoint: fc.option(endpoint, { nil: null }),
  allowedIps: fc.array(cidr, { maxLength: 3 }),
  latestHandshake: fc.option(fc.integer({ min: 1, max: 2 ** 40 }), { nil: null }),
  rxBytes: fc.maxSafeNat(),
  txBytes: fc.maxSafeNat(),
  persistentKeepalive: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
});

const dump: fc.Arbitrary<WgDump> = fc.record({
  interface: fc.record({
    publicKey: fc.option(wgKey, { nil: null }),
    listenPort: fc.integer({ min: 0, max: 65535 }),
    fwmark: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: null }),
  }),
  peers: fc.uniqueArray(dumpPeer, { maxLength: 5, selector: (p) => p.publicKey }),
});

// Print a dump the way wg(8) does, to check the parser against its own model.
function printDump(d: WgDump, priv: string): string {
  const i = d.interface;
  const fw = i.fwmark === null ? "off" : `0x${i.fwmark.toString(16)}`;
  const lines = [[priv, i.publicKey ?? "(none)", i.listenPort, fw].join("\t")];
  for (const p of d.peers) {
    lines.push([
      p.publicKey,
      p.hasPresharedKey ? KEYS.psk : "(none)",
      p.endpoint ?? "(none)",
      p.allowedIps.length ? p.allowedIps.join(",") : "(none)",
      p.latestHandshake ?? 0,
      p.rxBytes,
      p.txBytes,
      p.persistentKeepalive ?? "off",
    ].join("\t"));
  }
  return lines.join("\n") + "\n";
}

Deno.test("parseWgDump() gives back every dump wg could print", () => {
  fc.assert(
    fc.property(dump, (d) => assertEquals(parseWgDump(printDump(d, KEYS.a.priv)), d)),
    { numRuns: 1000 },
  );
});

Deno.test("parseWgDump() answers 10k random lines with a result or a MycelError", () => {
  const check = (text: string) => {
    try {
      parseWgDump(text);
    } catch (e) {
      if (!isMycelError(e, "bad_wg_dump")) throw e;
      if (e.message.includes(KEYS.a.priv)) throw new Error(`private key leaked: ${e.message}`);
    }
  };
  const head = `${KEYS.a.priv}\t${KEYS.a.pub}\t51820\toff\n`;
  fc.assert(fc.property(junkLine, (line) => check(head + line)), { numRuns: 10_000 });
  fc.assert(fc.property(junkLine, (line) => check(line)), { numRuns: 5_000 });
  fc.assert(
    fc.property(dump, lineEdits, (d, edits) => check(applyEdits(printDump(d, KEYS.a.priv), edits))),
    { numRuns: 5_000 },
  );
});
