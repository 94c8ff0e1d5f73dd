/**
 * @module device_key
 * The one in-memory identity of a device: its 32-byte Ed25519 public key.
 * Keys are interned, so the same bytes always give the same object and a
 * `Map<DeviceKey, …>` or `===` compares devices by key. The grouped display
 * text (`MFZWI3D-…`, see device_id.ts) and hex are derived lazily and used
 * only at the edges: printing, parsing user input, SQL parameters.
 *
 * Invariant: `DeviceKey.of(a) === DeviceKey.of(b)` exactly when `a` and `b`
 * hold the same 32 bytes. Decoders of untrusted input bound how many distinct
 * keys one message can name, so the intern table stays small.
 */

import { toHex } from "../bytes.ts";
import { deviceIdFromKey, parseDeviceId, shortDeviceId } from "./device_id.ts";

const interned = new Map<string, DeviceKey>();

/** Latin-1 string of `bytes`: a cheap exact map key. */
function latin1(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The key {@link DeviceKey.of} returned last. */
let last: DeviceKey | undefined;

/** A device's public signing key; compare with `===`. */
export class DeviceKey {
  /** The 32 key bytes (do not mutate). */
  readonly bytes: Uint8Array;
  #hex?: string;
  #id?: string;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * The key holding `bytes` (copied on first sight).
   * @throws RangeError when `bytes` is not 32 bytes long
   */
  static of(bytes: Uint8Array): DeviceKey {
    if (bytes.length !== 32) throw new RangeError("a device key is 32 bytes");
    // Runs of one author's entries name the same key again and again:
    // comparing 32 bytes is cheaper than building and hashing a string.
    if (last !== undefined && sameBytes(last.bytes, bytes)) return last;
    const k = latin1(bytes);
    let key = interned.get(k);
    if (key === undefined) interned.set(k, key = new DeviceKey(bytes.slice()));
    return last = key;
  }

  /** Parse a display id (forgiving case, spaces, dashes); MycelError `bad_device_id`. */
  static fromId(text: string): DeviceKey {
    return DeviceKey.of(parseDeviceId(text).publicKey);
  }

  /** Lower-case hex of the key (64 characters). */
  get hex(): string {
    return this.#hex ??= toHex(this.bytes);
  }

  /** Display id with check characters, e.g. `MFZWI3D-BONSGYC-…`. */
  get id(): string {
    return this.#id ??= deviceIdFromKey(this.bytes);
  }

  /** First group of the display id, for tables. */
  get short(): string {
    return shortDeviceId(this.id);
  }

  /** Total order by key bytes (the same order as SQLite's BLOB order and hex). */
  compare(other: DeviceKey): number {
    if (this === other) return 0;
    return this.hex < other.hex ? -1 : 1;
  }

  /** The display id (so template strings print something a person can read). */
  toString(): string {
    return this.id;
  }

  /** JSON form: the display id. */
  toJSON(): string {
    return this.id;
  }
}

/** Sort helper: ascending by key. */
export function byKey(a: DeviceKey, b: DeviceKey): number {
  return a.compare(b);
}
