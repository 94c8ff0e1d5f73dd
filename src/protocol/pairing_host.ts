/**
 * @module pairing_host
 * IP address text <-> bytes for the pairing code, which carries a literal
 * address (no DNS: the new device may not share a resolver with the
 * inviter). IPv4 is dotted-quad; IPv6 is printed in the RFC 5952 canonical
 * form so that a code always decodes to the same text. The parsing is
 * src/ip.ts's (strict: no leading zeros, IPv4 tail only last). Pure; no I/O.
 */

import { MycelError } from "../errors.ts";
import { ipv4Bytes, ipv6Bytes } from "../ip.ts";
import { quotedText } from "../text_safety.ts";

/** A parsed address: 4 bytes (IPv4) or 16 bytes (IPv6), network order. */
export type IpBytes = Uint8Array;

function badHost(reason: string, host: string): MycelError {
  return new MycelError("pairing_code_host", "make pairing code", reason, {
    value: quotedText(host),
  });
}

/**
 * Parse an IPv4 or IPv6 literal (brackets allowed around IPv6). An
 * IPv4-mapped IPv6 address becomes its IPv4 address, which fits the short
 * code. Throws `pairing_code_host` for anything else, including zone ids
 * (`fe80::1%eth0`), which mean nothing on another device.
 */
export function parseHost(host: string): IpBytes {
  const text = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (text.includes("%")) throw badHost("an address with a zone id cannot be shared", host);
  const v4 = ipv4Bytes(text);
  if (v4) return v4;
  const v6 = text.includes(":") ? ipv6Bytes(text) : undefined;
  if (!v6) throw badHost("not an IPv4 or IPv6 address", host);
  const mapped = v6.subarray(0, 12).every((b, i) => b === (i < 10 ? 0 : 0xff));
  return mapped ? v6.slice(12) : v6;
}

/** Print 4 or 16 address bytes: dotted quad, or RFC 5952 canonical IPv6. */
export function formatHost(bytes: IpBytes): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length !== 16) throw new RangeError(`address has ${bytes.length} bytes`);
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // Longest run of two or more zero groups (the first on a tie) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
