/**
 * @module device_record
 * What the mesh knows about a device: its name, public keys for Noise and
 * WireGuard, where it accepts sync connections and its mesh IPv4 address.
 * The device's Ed25519 key is the record's identity. An admission creates the
 * record; after that only entries signed by the device itself change its
 * fields (see membership.ts), merged per field.
 */

import { asBytes, hasControlChar, toBase64 } from "../bytes.ts";
import type { DeviceKey } from "./device_key.ts";
import { formatEndpoint, parseEndpoint } from "./endpoint.ts";
import { parseIpv4 } from "../ip.ts";

/** Mutable fields of a device record. */
export interface DeviceFields {
  /** Human name, e.g. "laptop". */
  name: string;
  /** X25519 Noise public key, base64. */
  noiseKey: string;
  /** WireGuard public key, base64. */
  wgKey: string;
  /** HOST:PORT endpoints for sync connections (may be empty). */
  endpoints: string[];
  /** Mesh IPv4 in 100.64.0.0/10, or "" before one is assigned. */
  ipv4: string;
  /** UDP port of its WireGuard interface, or 0 when it has none up. */
  wgPort: number;
}

/** A device record: its key plus its fields. */
export interface DeviceRecord extends DeviceFields {
  /** The device's Ed25519 public key (its identity). */
  key: DeviceKey;
  /** Display id of `key` (for printing; derived, never parsed back). */
  id: string;
}

/** Field names in the order they are merged and shown. */
export const DEVICE_FIELDS = ["name", "noiseKey", "wgKey", "endpoints", "ipv4", "wgPort"] as const;

/** Fields a `device.add` must carry (`wgPort` defaults to 0). */
const REQUIRED_FIELDS = ["name", "noiseKey", "wgKey", "endpoints", "ipv4"] as const;

/**
 * A device's first record, from its public keys: no endpoints, mesh address
 * or WireGuard port unless `more` gives them.
 */
export function newDeviceRecord(
  key: DeviceKey,
  keys: { readonly noisePublic: Uint8Array; readonly wgPublic: Uint8Array },
  name: string,
  more: Partial<Omit<DeviceFields, "name" | "noiseKey" | "wgKey">> = {},
): DeviceRecord {
  return {
    key,
    id: key.id,
    name,
    noiseKey: toBase64(keys.noisePublic),
    wgKey: toBase64(keys.wgPublic),
    endpoints: [],
    ipv4: "",
    wgPort: 0,
    ...more,
  };
}

/** Most endpoints a record may list. */
export const MAX_ENDPOINTS = 16;

/** True when `text` is a canonical IPv4 address inside 100.64.0.0/10. */
export function isMeshIpv4(text: string): boolean {
  try {
    return parseIpv4(text) >>> 22 === (100 << 2 | 1);
  } catch {
    return false;
  }
}

/** Wire form: a CBOR map with short keys, public keys as bytes. */
export function encodeDeviceFields(f: Partial<DeviceFields>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (f.name !== undefined) out.n = f.name;
  if (f.noiseKey !== undefined) out.k = Uint8Array.fromBase64(f.noiseKey);
  if (f.wgKey !== undefined) out.w = Uint8Array.fromBase64(f.wgKey);
  if (f.endpoints !== undefined) out.e = f.endpoints;
  if (f.ipv4 !== undefined) out.i = f.ipv4;
  if (f.wgPort !== undefined) out.p = f.wgPort;
  return out;
}

/**
 * Decode fields from the wire; with `complete` every field must be present.
 * Throws a plain Error naming the bad field.
 */
export function decodeDeviceFields(x: unknown, complete: boolean): Partial<DeviceFields> {
  if (typeof x !== "object" || x === null || Array.isArray(x) || x instanceof Map) {
    throw new Error("device fields must be a map");
  }
  const m = x as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    if (!"nkweip".includes(k) || k.length !== 1) throw new Error(`unknown device field ${k}`);
  }
  const out: Partial<DeviceFields> = {};
  if (m.n !== undefined) {
    if (
      typeof m.n !== "string" || m.n.length === 0 || m.n.length > 64 || hasControlChar(m.n)
    ) {
      throw new Error("device name must be 1–64 printable characters");
    }
    out.name = m.n;
  }
  for (const [short, field] of [["k", "noiseKey"], ["w", "wgKey"]] as const) {
    if (m[short] === undefined) continue;
    const key = asBytes(m[short]);
    if (key === undefined || key.length !== 32) throw new Error(`device ${field} must be 32 bytes`);
    out[field] = toBase64(key);
  }
  if (m.e !== undefined) {
    if (!Array.isArray(m.e) || m.e.length > MAX_ENDPOINTS) {
      throw new Error("device endpoints malformed");
    }
    out.endpoints = m.e.map((e) => {
      if (typeof e !== "string") throw new Error("device endpoint must be text");
      return formatEndpoint(parseEndpoint(e));
    });
  }
  if (m.i !== undefined) {
    if (typeof m.i !== "string" || (m.i !== "" && !isMeshIpv4(m.i))) {
      throw new Error("device ipv4 must be in 100.64.0.0/10");
    }
    out.ipv4 = m.i;
  }
  if (m.p !== undefined) {
    if (!Number.isSafeInteger(m.p) || (m.p as number) < 0 || (m.p as number) > 65535) {
      throw new Error("device wgPort must be 0–65535");
    }
    out.wgPort = m.p as number;
  }
  if (complete) {
    for (const f of REQUIRED_FIELDS) {
      if (out[f] === undefined) throw new Error(`device ${f} missing`);
    }
    out.wgPort ??= 0;
  }
  return out;
}

/** Decode a complete record for device `key`. */
export function decodeDeviceRecord(key: DeviceKey, x: unknown): DeviceRecord {
  return { key, id: key.id, ...(decodeDeviceFields(x, true) as DeviceFields) };
}

/** The fields of `r` (without its identity). */
export function fieldsOf(r: DeviceFields): DeviceFields {
  return {
    name: r.name,
    noiseKey: r.noiseKey,
    wgKey: r.wgKey,
    endpoints: r.endpoints,
    ipv4: r.ipv4,
    wgPort: r.wgPort,
  };
}
