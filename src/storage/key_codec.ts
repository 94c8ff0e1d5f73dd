/**
 * @module key_codec
 * The device's key material as bytes: one small CBOR map of the six 32-byte
 * keys (short field names). The same bytes are the body of a key file, the
 * secret kept in an OS keyring (base64url there: keyrings store text), the
 * plaintext of a systemd credential, and the sealed body of an export.
 *
 * Invariants: decoding is bounded (size first, then shape: exactly 32 bytes
 * per key) and every failure is one `MycelError` naming where the bytes came
 * from, never the bytes themselves.
 */

import { asBytes, bytesEqual, fromBase64, toBase64Url } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import { deviceIdOf, type DeviceKeys } from "../log/identity.ts";

const FIELDS = [
  ["s", "signPrivate"],
  ["S", "signPublic"],
  ["n", "noisePrivate"],
  ["N", "noisePublic"],
  ["w", "wgPrivate"],
  ["W", "wgPublic"],
] as const;

/** Largest encoded key material accepted (the real thing is about 220 bytes). */
export const MAX_KEY_MATERIAL = 1024;

/** Encode `keys` (secret: handle the result like the keys themselves). */
export function encodeKeyMaterial(keys: DeviceKeys): Uint8Array {
  const map: Record<string, Uint8Array> = {};
  for (const [short, field] of FIELDS) map[short] = keys[field];
  return encodeCbor(map);
}

/** The error for key material that does not decode; `where` names its source. */
export function badKeyMaterial(where: string, reason: string, hint?: string): MycelError {
  return new MycelError("bad_keys", "read device keys", reason, {
    value: where,
    hint: hint ??
      "Restore the keys from a backup (`mycel keys import FILE`), or re-pair this machine.",
  });
}

/** Decode key material read from `where` (a path or a store's name). */
export function decodeKeyMaterial(bytes: Uint8Array, where: string): DeviceKeys {
  if (bytes.length > MAX_KEY_MATERIAL) {
    throw badKeyMaterial(where, `the key material is ${bytes.length} bytes, too large`);
  }
  let map: Record<string, unknown>;
  try {
    map = decodeCbor(bytes, "keys") as Record<string, unknown>;
  } catch {
    throw badKeyMaterial(where, "the key material is not valid CBOR");
  }
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw badKeyMaterial(where, "the key material is malformed");
  }
  const keys: Record<string, Uint8Array> = {};
  for (const [short, field] of FIELDS) {
    const v = asBytes(map[short]);
    if (v?.length !== 32) throw badKeyMaterial(where, `the ${field} is missing or malformed`);
    keys[field] = v;
  }
  return keys as unknown as DeviceKeys;
}

/** Key material as keyring text (base64url, no padding). */
export function keyMaterialText(keys: DeviceKeys): string {
  return toBase64Url(encodeKeyMaterial(keys));
}

/** Decode keyring text written by {@link keyMaterialText}. */
export function keysFromText(text: string, where: string): DeviceKeys {
  const t = text.trim();
  if (t.length > MAX_KEY_MATERIAL * 2 || !/^[A-Za-z0-9_-]+$/.test(t)) {
    throw badKeyMaterial(where, "the stored secret is not mycel key material");
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(t);
  } catch {
    throw badKeyMaterial(where, "the stored secret is not mycel key material");
  }
  return decodeKeyMaterial(bytes, where);
}

/** True when both key sets are the same six keys. */
export function sameKeys(a: DeviceKeys, b: DeviceKeys): boolean {
  return FIELDS.every(([, f]) => bytesEqual(a[f], b[f]));
}

/**
 * Refuse keys that belong to another device than `device` (e.g. a systemd
 * credential or keyring item left from an older identity).
 */
export function checkKeysBelong(keys: DeviceKeys, device: string, where: string): DeviceKeys {
  const id = deviceIdOf(keys);
  if (id !== device) {
    throw new MycelError(
      "wrong_device",
      "use device keys",
      `${where} holds another device's keys`,
      {
        value: id,
        hint: `This home is device ${device}. Put this device's keys back ` +
          "(`mycel keys import FILE`), or re-run `mycel service install` if a credential is stale.",
      },
    );
  }
  return keys;
}
