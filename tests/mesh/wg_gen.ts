/**
 * @module wg_gen
 * fast-check generators and sample keys shared by the WireGuard tests.
 */

import fc from "fast-check";
import { formatIpv4, formatIpv6 } from "../../src/ip.ts";
import type { WgPeer } from "../../src/mesh/wg_config.ts";
import { wgKeyFromBytes } from "../../src/mesh/wg_values.ts";

/** Key pairs made with `wg genkey | tee priv | wg pubkey` (test-only keys). */
export const KEYS = {
  a: {
    priv: "0K3iITrpL3iuMMpydZQXMBdSAzp+83+PIbvl1plqEEY=",
    pub: "8M7axEY5xqspu9eYlOVO/jceJQVHEJv5CV1m4Id4J08=",
  },
  b: {
    priv: "CGZ3y3SQN7Q1cqE5Qbo9fySHxXDv+2otoBhtLqUnZno=",
    pub: "zySOXj4wFj5wxhCWZ0bC5PnWdC1u3RFnhN2+JY5vHAQ=",
  },
  c: {
    priv: "OM8u+4q9uNm8faFi3feAV75I/y70bFn+XQZcLR5V8k8=",
    pub: "lu0iGm+mExhKNXlgu3a4Lf1iOWDELPRsloalTzUNVCQ=",
  },
  /** From `wg genpsk`. */
  psk: "lQrrOexzDKBp0H6nR5kTm3FtiYHNjbKAq0cUUo54M64=",
};

/** Any 32-byte key in WireGuard base64. */
export const wgKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(wgKeyFromBytes);

/** A canonical IPv4 or IPv6 CIDR. */
export const cidr = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([n, p]) => `${formatIpv4(n)}/${p}`),
  fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }))
    .map(([b, p]) => `${formatIpv6(b.map((x, i) => i > 1 && i < 12 ? 0 : x))}/${p}`),
);

const label = fc.stringMatching(/^[a-z](?:[a-z0-9-]{0,8}[a-z0-9])?$/);

/** A valid endpoint: hostname, IPv4 or bracketed IPv6, with a port. */
export const endpoint = fc.tuple(
  fc.oneof(
    fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join(".")),
    fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4),
    fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => `[${formatIpv6(b)}]`),
  ),
  fc.integer({ min: 1, max: 65535 }),
).map(([h, p]) => `${h}:${p}`);

/** A valid peer in canonical form (what parse gives back). */
export const peer: fc.Arbitrary<WgPeer> = fc.record(
  {
    publicKey: wgKey,
    allowedIps: fc.array(cidr, { maxLength: 4 }),
    endpoint: endpoint,
    persistentKeepalive: fc.integer({ min: 1, max: 65535 }),
  },
  { requiredKeys: ["publicKey", "allowedIps"] },
);

/** Peers with distinct public keys. */
export const peers = fc.uniqueArray(peer, { maxLength: 5, selector: (p) => p.publicKey });

/** Random text lines that look a bit like WireGuard files or dumps. */
export const junkLine = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "[Interface]",
    "[Peer]",
    "[peer ]",
    "[Nope]",
    "=",
    "PrivateKey = " + KEYS.a.priv,
    "PublicKey = " + KEYS.b.pub,
    "ListenPort = 51820",
    "ListenPort = 99999",
    "AllowedIPs = 100.64.0.2/32, fd00::2/128",
    "AllowedIPs = ,,,",
    "Endpoint = [::1]:51820",
    "Endpoint = host:0",
    "PersistentKeepalive = off",
    "# comment",
    "(none)\t(none)\t0\toff",
    `${KEYS.b.pub}\t(none)\t(none)\t(none)\t0\t0\t0\toff`,
  ),
  fc.array(fc.oneof(wgKey, fc.constantFrom("(none)", "off", "0", "1.2.3.4:5"), fc.string()), {
    maxLength: 9,
  }).map((f) => f.join("\t")),
);

/** One edit to a text: insert, replace or delete a line. */
export interface LineEdit {
  op: "insert" | "replace" | "delete";
  at: number;
  line: string;
}

/** A few random line edits. */
export const lineEdits: fc.Arbitrary<LineEdit[]> = fc.array(
  fc.record({
    op: fc.constantFrom("insert" as const, "replace" as const, "delete" as const),
    at: fc.nat(),
    line: junkLine,
  }),
  { minLength: 1, maxLength: 3 },
);

/** Apply `edits` to the lines of `text`, so fuzzing starts from a valid file. */
export function applyEdits(text: string, edits: LineEdit[]): string {
  const lines = text.split("\n");
  for (const { op, at, line } of edits) {
    const i = at % (lines.length + 1);
    if (op === "insert") lines.splice(i, 0, line);
    else if (op === "replace") lines[Math.min(i, lines.length - 1)] = line;
    else lines.splice(i, 1);
  }
  return lines.join("\n");
}
