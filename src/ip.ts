/**
 * @module ip
 * Strict parsing and canonical formatting of IPv4/IPv6 addresses and CIDR
 * prefixes, shared by the WireGuard config and dump parsers and by mesh
 * addressing. Strict on purpose: these strings end up in `wg` configs, so
 * anything ambiguous (octal-looking `010`, zone ids, stray spaces) is refused
 * rather than guessed. Pure; no I/O.
 */

import { MycelError } from "./errors.ts";
import { quotedText } from "./text_safety.ts";

/** An address prefix such as `100.64.0.0/10` or `fd12::/48`. */
export interface Cidr {
  /** 4 for IPv4, 6 for IPv6. */
  family: 4 | 6;
  /** The address bytes (4 or 16), as written (host bits are kept). */
  bytes: Uint8Array;
  /** Prefix length: 0–32 for IPv4, 0–128 for IPv6. */
  prefix: number;
}

const OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const GROUP = /^[0-9a-fA-F]{1,4}$/;

function bad(what: string, text: string): MycelError {
  // Only public addresses reach here; cap the length so garbage stays readable.
  return new MycelError("bad_address", `parse ${what}`, "it is not valid", {
    value: quotedText(text.length > 64 ? text.slice(0, 64) + "…" : text),
  });
}

/** The 4 bytes of a dotted-quad IPv4 address, or null when `text` is not one. */
export function ipv4Bytes(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!OCTET.test(parts[i])) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

/** True when `text` is a dotted-quad IPv4 address. */
export function isIpv4(text: string): boolean {
  return ipv4Bytes(text) !== null;
}

/** Parse a dotted-quad IPv4 address into an unsigned 32-bit number. */
export function parseIpv4(text: string): number {
  const b = ipv4Bytes(text);
  if (!b) throw bad("IPv4 address", text);
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** Format an unsigned 32-bit number as a dotted-quad IPv4 address. */
export function formatIpv4(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw bad("IPv4 number", String(n));
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The 16 bytes of an IPv6 address (RFC 4291 text forms, no zone id), or null when `text` is not one. */
export function ipv6Bytes(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups: number[][] = [];
  for (let h = 0; h < halves.length; h++) {
    const half = halves[h];
    const out: number[] = [];
    const parts = half === "" ? [] : half.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (GROUP.test(p)) {
        const v = Number.parseInt(p, 16);
        out.push(v >> 8, v & 255);
      } else if (i === parts.length - 1 && h === halves.length - 1) {
        // An embedded IPv4 tail (`::ffff:1.2.3.4`) is only allowed last.
        const v4 = ipv4Bytes(p);
        if (!v4) return null;
        out.push(...v4);
      } else return null;
    }
    groups.push(out);
  }
  const head = groups[0];
  const tail = groups[1] ?? [];
  if (halves.length === 1) return head.length === 16 ? new Uint8Array(head) : null;
  // "::" must stand for at least one zero group.
  if (head.length + tail.length > 14) return null;
  const out = new Uint8Array(16);
  out.set(head, 0);
  out.set(tail, 16 - tail.length);
  return out;
}

/** True when `text` is an IPv6 address (RFC 4291 text forms, no zone id). */
export function isIpv6(text: string): boolean {
  return ipv6Bytes(text) !== null;
}

/** Parse an IPv6 address (RFC 4291 text forms, no zone id) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array {
  const b = ipv6Bytes(text);
  if (!b) throw bad("IPv6 address", text);
  return b;
}

/**
 * Format 16 bytes as an IPv6 address in the RFC 5952 canonical form: lower
 * case, no leading zeros, the longest (first on a tie) run of two or more
 * zero groups shortened to `::`, and IPv4-mapped addresses as `::ffff:a.b.c.d`.
 */
export function formatIpv6(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw bad("IPv6 bytes", `${bytes.length} bytes`);
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i] << 8) | bytes[i + 1]);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestAt = -1, bestLen = 1; // a single zero group is never shortened
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [bestAt, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestAt < 0) return hex.join(":");
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

/** Parse `address/prefix` (IPv4 or IPv6); the prefix length is required. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? "" : text.slice(0, slash);
  const len = slash < 0 ? "" : text.slice(slash + 1);
  const v4 = addr.includes(":") ? null : ipv4Bytes(addr);
  const bytes = v4 ?? (addr.includes(":") ? ipv6Bytes(addr) : null);
  if (!bytes || !/^(?:0|[1-9][0-9]{0,2})$/.test(len)) throw bad("address prefix", text);
  const prefix = Number(len);
  if (prefix > bytes.length * 8) throw bad("address prefix", text);
  return { family: v4 ? 4 : 6, bytes, prefix };
}

/** Format a {@link Cidr} canonically (dotted quad or RFC 5952, then `/prefix`). */
export function formatCidr(cidr: Cidr): string {
  const b = cidr.bytes;
  const addr = cidr.family === 4
    ? formatIpv4(((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0)
    : formatIpv6(b);
  return `${addr}/${cidr.prefix}`;
}
