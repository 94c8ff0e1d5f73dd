/**
 * @module pairing_host
 * IP address text <-> bytes for the pairing code, which carries a literal
 * address (no DNS: the new device may not share a resolver with the
 * inviter). IPv4 is dotted-quad; IPv6 is printed in the RFC 5952 canonical
 * form so that a code always decodes to the same text. Pure; no I/O.
 */

import { MycelError } from "../errors.ts";

/** A parsed address: 4 bytes (IPv4) or 16 bytes (IPv6), network order. */
export type IpBytes = Uint8Array;

function badHost(reason: string, host: string): MycelError {
  return new MycelError("pairing_code_host", "make pairing code", reason, {
    value: JSON.stringify(host),
  });
}

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    // No leading zeros: "010" means 8 to some parsers and 10 to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(parts[i])) return undefined;
    const n = Number(parts[i]);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(text: string, allowV4Tail: boolean): number[] | undefined {
  if (text === "") return [];
  const groups: number[] = [];
  const pieces = text.split(":");
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i];
    if (allowV4Tail && i === pieces.length - 1 && piece.includes(".")) {
      // Embedded IPv4 tail, e.g. ::ffff:192.0.2.1
      const v4 = parseIpv4(piece);
      if (!v4) return undefined;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

function parseIpv6(text: string): IpBytes | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  // Only the very last piece of the address may be a dotted IPv4 tail.
  const head = parseGroups(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
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
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = text.includes(":") ? parseIpv6(text) : undefined;
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
