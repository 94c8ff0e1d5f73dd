/**
 * @module sync_heads
 * Heads: for each author a device holds entries of, the latest seq and that
 * entry's hash — a version vector with hashes, so a fork shows up as equal
 * seqs with different hashes. Both sides send theirs in the hello, and each
 * then sends exactly what the other's heads say it lacks.
 *
 * Wire form: a CBOR array of `[authorKey (32 bytes), seq, hash (32 bytes)]`,
 * strictly ascending by key. Sorting makes the encoding canonical and lets the
 * decoder reject a repeated author in the same pass.
 */

import { compareBytes } from "../bytes.ts";
import { isMycelError } from "../errors.ts";
import { type DeviceId, deviceIdFromKey, parseDeviceId } from "../log/device_id.ts";
import { encodeCbor } from "../log/cbor.ts";
import {
  badMessage,
  decodeTop,
  type Direction,
  expectArray,
  expectCount,
  expectFixedBytes,
  MAX_HEADS,
} from "./sync_fields.ts";

/** One author's head: its latest seq and the hash of that entry. */
export interface Head {
  /** Latest seq held, from 1. */
  readonly seq: number;
  /** SHA-256 of the entry at `seq` (32 bytes). */
  readonly hash: Uint8Array;
}

/** Author display id → head. */
export type Heads = Map<DeviceId, Head>;

/** Heads as the CBOR value nested in hellos (checked, sorted). */
export function headsToWire(heads: Heads, dir: Direction = "write"): unknown[] {
  if (!(heads instanceof Map)) throw badMessage("heads must be a map", dir);
  if (heads.size > MAX_HEADS) throw badMessage(`heads list more than ${MAX_HEADS} authors`, dir);
  const rows: [Uint8Array, number, Uint8Array][] = [];
  for (const [id, head] of heads) {
    let key: Uint8Array;
    if (typeof id !== "string") {
      throw badMessage("heads hold an author that is not a device id", dir);
    }
    try {
      key = parseDeviceId(id).publicKey;
    } catch (e) {
      if (!isMycelError(e)) throw e;
      throw badMessage("heads hold an author that is not a device id", dir, e);
    }
    rows.push([
      key,
      expectCount(head?.seq, "head seq", dir),
      expectFixedBytes(head?.hash, "head hash", 32, dir),
    ]);
  }
  rows.sort((a, b) => compareBytes(a[0], b[0]));
  for (let i = 1; i < rows.length; i++) {
    if (compareBytes(rows[i - 1][0], rows[i][0]) === 0) {
      throw badMessage("heads name the same author twice", dir);
    }
  }
  return rows;
}

/** Heads from their nested CBOR value; every row is checked. */
export function headsFromWire(raw: unknown): Heads {
  if (!Array.isArray(raw)) throw badMessage("heads must be a CBOR array");
  if (raw.length > MAX_HEADS) throw badMessage(`heads list more than ${MAX_HEADS} authors`);
  const heads: Heads = new Map();
  let last: Uint8Array | undefined;
  for (const row of raw) {
    const [keyRaw, seqRaw, hashRaw] = expectArray(row, "head", 3, "read");
    const key = expectFixedBytes(keyRaw, "head author", 32, "read");
    if (last !== undefined && compareBytes(last, key) >= 0) {
      throw badMessage("head authors must be sorted and distinct");
    }
    last = key;
    const seq = expectCount(seqRaw, "head seq", "read");
    const hash = expectFixedBytes(hashRaw, "head hash", 32, "read");
    heads.set(deviceIdFromKey(key), { seq, hash });
  }
  return heads;
}

/** Encode heads on their own (CBOR). */
export function encodeHeads(heads: Heads): Uint8Array {
  return encodeCbor(headsToWire(heads));
}

/**
 * Decode heads encoded by {@link encodeHeads}.
 * @throws MycelError `bad_message` naming the faulty field
 */
export function decodeHeads(bytes: Uint8Array): Heads {
  return headsFromWire(decodeTop(bytes, "heads"));
}
