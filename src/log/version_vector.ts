/**
 * @module version_vector
 * Version vectors of file versions: device → how many changes of that device
 * the version has seen. Comparing two says whether one version descends from
 * the other or whether they were made concurrently (a conflict). Pure.
 *
 * Wire form: a flat CBOR array `[key, counter, key, counter, ...]` with the
 * 32-byte Ed25519 device keys in strictly ascending byte order and counters
 * ≥ 1 — one byte form per vector, so equal vectors encode equally.
 */

import { asBytes, compareBytes } from "../bytes.ts";
import { type DeviceId, deviceIdFromKey, parseDeviceId } from "./device_id.ts";

/** Device id → counter (≥ 1); absent devices count 0. */
export type VersionVector = ReadonlyMap<DeviceId, number>;

/** Most devices a vector may name (bounds decoding; far above any real mesh's history). */
export const MAX_VV_ENTRIES = 256;

/**
 * Why a vector this device built from other versions' (their merge, one
 * change more: a scan's edit or deletion, a conflict's merge, an override)
 * can't be published, or undefined. Only a member that published versions
 * naming made-up devices, or counting a device's changes at 2^53 - 1, can
 * get a path there; that path is then left
 * unpublished and reported as such, and everything else goes on — before,
 * the encoder's throw ended the whole scan, round or override
 * (docs/folders.md, "Versions, conflicts, deletions").
 */
export function builtVvProblem(vv: VersionVector): string | undefined {
  if (vv.size > MAX_VV_ENTRIES) {
    return `a version of it made here would name ${vv.size} devices, over the ` +
      `${MAX_VV_ENTRIES} a version may name (the versions it follows name them all)`;
  }
  // A counter one past the largest safe integer: the version it follows
  // counts this device's changes at 2^53 - 1, which only a member writing
  // that counter for it can have made (a review found every round of the
  // device it named exiting 1 on the encoder's throw, as the width above).
  for (const n of vv.values()) {
    if (!Number.isSafeInteger(n)) {
      return "a version of it made here would count one change more than the " +
        `${Number.MAX_SAFE_INTEGER} a version may count (a version it follows counts that many)`;
    }
  }
  return undefined;
}

/** How two vectors relate. */
export type VvOrder = "equal" | "before" | "after" | "concurrent";

/** `a` compared with `b`: "before" when b has seen everything a has and more. */
export function compareVv(a: VersionVector, b: VersionVector): VvOrder {
  let aAhead = false;
  let bAhead = false;
  for (const [d, n] of a) {
    const m = b.get(d) ?? 0;
    if (n > m) aAhead = true;
    else if (n < m) bAhead = true;
  }
  for (const [d, m] of b) if (!a.has(d) && m > 0) bAhead = true;
  return aAhead ? (bAhead ? "concurrent" : "after") : bAhead ? "before" : "equal";
}

/** The least vector that has seen both. */
export function mergeVv(a: VersionVector, b: VersionVector): Map<DeviceId, number> {
  const out = new Map(a);
  for (const [d, n] of b) out.set(d, Math.max(n, out.get(d) ?? 0));
  return out;
}

/** `vv` after one more change by `device`. */
export function bumpVv(vv: VersionVector, device: DeviceId): Map<DeviceId, number> {
  const out = new Map(vv);
  out.set(device, (out.get(device) ?? 0) + 1);
  return out;
}

/**
 * Wire form (see the module comment).
 * @throws Error when a counter is not a positive safe integer or there are
 * too many devices — the same things {@link decodeVv} refuses
 */
export function encodeVv(vv: VersionVector): unknown[] {
  if (vv.size > MAX_VV_ENTRIES) {
    throw new Error(`its version vector names ${vv.size} devices, over ${MAX_VV_ENTRIES}`);
  }
  const keyed = [...vv].map(([id, n]) => {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new Error(`version counters must be from 1 to ${Number.MAX_SAFE_INTEGER}`);
    }
    return [parseDeviceId(id).publicKey, n] as const;
  });
  keyed.sort((x, y) => compareBytes(x[0], y[0]));
  return keyed.flat();
}

/** Decode the wire form; throws a plain Error naming what is wrong. */
export function decodeVv(x: unknown): Map<DeviceId, number> {
  if (!Array.isArray(x) || x.length % 2 !== 0 || x.length > 2 * MAX_VV_ENTRIES) {
    throw new Error(`version vector must be up to ${MAX_VV_ENTRIES} key/counter pairs`);
  }
  const out = new Map<DeviceId, number>();
  let prev: Uint8Array | undefined;
  for (let i = 0; i < x.length; i += 2) {
    const key = asBytes(x[i]);
    const n = toSafeInteger(x[i + 1]);
    if (key?.length !== 32) throw new Error("version vector key must be 32 bytes");
    if (n === undefined || n < 1) throw new Error("version counters must be ≥ 1");
    if (prev !== undefined && compareBytes(prev, key) >= 0) {
      throw new Error("version vector keys must be in ascending order, once each");
    }
    prev = key;
    out.set(deviceIdFromKey(key), n);
  }
  return out;
}

/** A safe integer from a decoded CBOR number or bigint, else undefined. */
export function toSafeInteger(x: unknown): number | undefined {
  if (typeof x === "bigint") {
    return x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(x)
      : undefined;
  }
  return Number.isSafeInteger(x) ? x as number : undefined;
}
