/**
 * @module wg_values
 * Validation of the single values that go into WireGuard files and come out
 * of `wg show`: keys, endpoints, ports. Shared by the config renderer/parser
 * and the dump parser so both accept exactly the same things. Errors built
 * here never carry a private key: callers pass only public values to show.
 * Pure; no I/O.
 */

import { base64 } from "@scure/base";
import { MycelError } from "../errors.ts";
import { isIpv4, isIpv6 } from "../ip.ts";

// 32 bytes in padded base64 are 43 digits and "="; the last digit carries 2
// unused bits that must be zero, which is the canonical form `wg` insists on.
const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOST = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);
const ZONE = /^[A-Za-z0-9_.-]{1,32}$/;

/** True when `text` is a canonical base64 WireGuard key (32 bytes). */
export function isWgKey(text: string): boolean {
  return KEY.test(text);
}

/** Encode 32 key bytes as WireGuard's base64. */
export function wgKeyFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 32) {
    throw new MycelError("bad_key", "encode WireGuard key", "a key has 32 bytes", {
      value: bytes.length,
    });
  }
  return base64.encode(bytes);
}

/** Decode a WireGuard base64 key; the error never shows the text (it may be secret). */
export function wgKeyToBytes(text: string): Uint8Array {
  if (!isWgKey(text)) {
    throw new MycelError("bad_key", "decode WireGuard key", "it is not base64 of 32 bytes");
  }
  return base64.decode(text);
}

/** True for an RFC 1123 hostname (letters, digits, hyphens, dots; ≤ 253 chars). */
export function isValidHostname(text: string): boolean {
  return HOST.test(text);
}

/**
 * True for `host:port`, `a.b.c.d:port` or `[v6]:port` (a `%zone` is allowed
 * inside the brackets, as `wg show` prints link-local peers), port 1–65535.
 * Hostnames are plain RFC 1123 names, so no value can smuggle in a newline.
 */
export function isValidEndpoint(text: string): boolean {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([1-9][0-9]{0,4})$/.exec(text);
  if (!m || Number(m[3]) > 65535) return false;
  if (m[2] !== undefined) {
    // All digits and dots must be a real IPv4 address, not a "hostname".
    return /^[0-9.]+$/.test(m[2]) ? isIpv4(m[2]) : HOST.test(m[2]);
  }
  const [addr, zone, ...rest] = m[1].split("%");
  if (rest.length > 0 || (zone !== undefined && !ZONE.test(zone))) return false;
  return isIpv6(addr);
}

/**
 * A `bad_wg_config` error. `value` must be public; it is shortened so a line
 * of garbage does not flood the terminal.
 */
export function wgError(action: string, reason: string, value?: string): MycelError {
  const shown = value !== undefined && value.length > 64 ? value.slice(0, 64) + "…" : value;
  return new MycelError("bad_wg_config", action, reason, { value: shown });
}

/**
 * A key name read from a file, safe to show: only when it looks like a name,
 * so a mangled `PrivateKey: <secret>` line is never echoed.
 */
export function keyName(key: string): string | undefined {
  return /^[a-z]{1,32}$/i.test(key) ? key : undefined;
}

/** Validate a private key given as text or bytes; the error never shows it. */
export function privateKeyText(key: string | Uint8Array, action: string): string {
  const text = typeof key === "string" ? key : key.length === 32 ? base64.encode(key) : "";
  if (!isWgKey(text)) throw wgError(action, "the private key is not base64 of 32 bytes");
  return text;
}

/** Check a ListenPort value: an integer 0–65535 (0 lets the kernel choose). */
export function checkListenPort(port: number | undefined, action: string): void {
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw wgError(action, "ListenPort must be 0-65535", String(port));
  }
}

/** Parse a decimal port or interval text strictly (no signs, no leading zeros). */
export function parseSmallInt(text: string, max: number): number | undefined {
  if (!/^(?:0|[1-9][0-9]{0,9})$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}
