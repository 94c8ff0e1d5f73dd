/**
 * @module key_transfer
 * The file `mycel keys export` writes and `mycel keys import` reads: a
 * device's identity sealed by a passphrase, to move it to another machine
 * (or back up a keyring-held identity). CBOR:
 * `{v: 1, kind: "mycel-device-keys", device, seal, body}` where `body` is the
 * key material sealed with AES-256-GCM under scrypt(passphrase) (key_seal.ts)
 * and `kind` + `device` are its associated data: a file relabelled for
 * another device fails to open.
 *
 * The file is untrusted input (it may come from anywhere): its size is
 * bounded before decoding, every field is checked, scrypt's cost is bounded,
 * and every failure is a `bad_key_export` MycelError naming the file.
 */

import { asBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import { deviceIdOf, type DeviceKeys } from "../log/identity.ts";
import { decodeKeyMaterial, encodeKeyMaterial, MAX_KEY_MATERIAL } from "./key_codec.ts";
import { parseSeal, sealBytes, type SealParams, unsealBytes } from "./key_seal.ts";

/** The `kind` of an export file. */
export const EXPORT_KIND = "mycel-device-keys";
/** Largest export file read. */
export const MAX_EXPORT = 4096;

/** A decoded, not yet opened, export file. */
export interface KeyExport {
  /** The device the file says it holds. */
  device: string;
  /** Scrypt parameters, salt, nonce. */
  seal: SealParams;
  /** Sealed key material. */
  body: Uint8Array;
}

function aad(device: string): Uint8Array {
  return utf8(`${EXPORT_KIND}\n${device}`);
}

/** Seal `keys` under `passphrase` as an export file. */
export async function encodeKeyExport(keys: DeviceKeys, passphrase: string): Promise<Uint8Array> {
  if (passphrase === "") {
    throw new MycelError("passphrase_needed", "export device keys", "the passphrase is empty");
  }
  const device = deviceIdOf(keys);
  const { seal, body } = await sealBytes(passphrase, encodeKeyMaterial(keys), aad(device));
  return encodeCbor({ v: 1, kind: EXPORT_KIND, device, seal, body });
}

function bad(where: string, reason: string): MycelError {
  return new MycelError("bad_key_export", "read exported keys", reason, {
    value: where,
    hint: "Give a file written by `mycel keys export`.",
  });
}

/** Decode an export file's outer layer (no passphrase needed). */
export function decodeKeyExport(bytes: Uint8Array, where: string): KeyExport {
  if (bytes.length > MAX_EXPORT) throw bad(where, `it is over ${MAX_EXPORT} bytes`);
  let outer: unknown;
  try {
    outer = decodeCbor(bytes, "exported keys");
  } catch {
    throw bad(where, "it is not a mycel key export (not CBOR)");
  }
  if (outer === null || typeof outer !== "object" || Array.isArray(outer)) {
    throw bad(where, "it is not a mycel key export");
  }
  const o = outer as Record<string, unknown>;
  if (o.kind !== EXPORT_KIND) throw bad(where, "it is not a mycel key export");
  if (o.v !== 1) throw bad(where, `its version ${String(o.v).slice(0, 10)} is not supported`);
  const device = o.device;
  if (typeof device !== "string" || !/^[A-Z2-7-]{8,80}$/.test(device)) {
    throw bad(where, "its device id is malformed");
  }
  const seal = parseSeal(o.seal);
  if (seal === undefined) throw bad(where, "its seal is malformed or too costly");
  const body = asBytes(o.body);
  if (body === undefined || body.length < 17 || body.length > MAX_KEY_MATERIAL + 16) {
    throw bad(where, "its sealed keys are malformed");
  }
  return { device, seal, body };
}

/** Open an export with `passphrase`; the keys must be the device it names. */
export async function openKeyExport(
  file: KeyExport,
  passphrase: string,
  where: string,
): Promise<DeviceKeys> {
  const material = await unsealBytes(passphrase, file.seal, file.body, {
    action: "open exported keys",
    hint: "Give the passphrase used for `mycel keys export`.",
    aad: aad(file.device),
  });
  let keys: DeviceKeys;
  try {
    keys = decodeKeyMaterial(material, where);
  } catch {
    throw bad(where, "the sealed keys are malformed");
  }
  if (deviceIdOf(keys) !== file.device) throw bad(where, "the keys are not the device it names");
  return keys;
}
