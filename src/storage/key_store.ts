/**
 * @module key_store
 * The key file `keys.cbor` in the home (mode 0600, replaced atomically). It
 * holds one of:
 * - the key material itself (`v: 1`, `seal: null`): the "file" store, NOT
 *   sealed;
 * - the key material sealed by a passphrase (`v: 1`, `seal: {...}`; see
 *   key_seal.ts): the "file" store, sealed;
 * - a stub (`v: 2`) naming the OS keyring that holds the keys and the
 *   attributes to find them by — no secret at all.
 * Which one it is tells every later command where to look. Keys never go to
 * argv, logs or error text; the file's size is bounded before decoding.
 */

import { asBytes } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { writeFileAtomic } from "./atomic.ts";
import { decodeKeyMaterial, encodeKeyMaterial } from "./key_codec.ts";
import { parseSeal, sealBytes, type SealParams, unsealBytes } from "./key_seal.ts";

/** OS keyrings a stub can point to. */
export type KeyringName = "secret-service" | "keychain";

/** Where a stub says the keys are. */
export interface KeyStub {
  /** The keyring. */
  store: KeyringName;
  /** The device whose keys they are. */
  device: string;
  /** A tag fixed at init (hash of the home's path then), so two homes of one device differ. */
  tag: string;
}

/** A decoded key file. */
export type KeyFile =
  | { form: "plain"; body: Uint8Array }
  | { form: "sealed"; seal: SealParams; body: Uint8Array }
  | ({ form: "stub" } & KeyStub);

/** Largest key file read (a real one is under 400 bytes). */
const MAX_KEY_FILE = 4096;

/** Hint for a sealed file read without a passphrase. */
export const PASSPHRASE_HINT =
  "Set MYCEL_PASSPHRASE_FILE to a 0600 file holding the passphrase given at init " +
  "(or MYCEL_PASSPHRASE), or run the command on a terminal to be asked for it.";

/** Write `keys` to `path` (0600), sealed when `passphrase` is given. */
export async function writeKeys(
  path: string,
  keys: DeviceKeys,
  passphrase?: string,
): Promise<void> {
  const material = encodeKeyMaterial(keys);
  if (!passphrase) {
    await writeFileAtomic(path, encodeCbor({ v: 1, seal: null, body: material }));
    return;
  }
  const { seal, body } = await sealBytes(passphrase, material);
  await writeFileAtomic(path, encodeCbor({ v: 1, seal, body }));
}

/** Write a stub pointing at a keyring (no secret in it). */
export async function writeKeyStub(path: string, stub: KeyStub): Promise<void> {
  await writeFileAtomic(
    path,
    encodeCbor({ v: 2, store: stub.store, device: stub.device, tag: stub.tag }),
  );
}

function damaged(path: string, reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_keys", "read device keys", reason, {
    value: path,
    hint: "Restore the keys from a backup (`mycel keys import FILE`), or re-pair this machine " +
      "(`mycel init` in a new home).",
    cause,
  });
}

/** Read and decode the key file at `path` (no passphrase needed). */
export async function readKeyFile(path: string): Promise<KeyFile> {
  let file: Uint8Array;
  try {
    file = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw damaged(path, "the key file is missing", e);
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new MycelError("permission_denied", "read device keys", "permission denied", {
        value: path,
        hint: "Run mycel as the user who owns this home.",
      });
    }
    throw e;
  }
  if (file.length > MAX_KEY_FILE) throw damaged(path, "the key file is too large");
  let outer: Record<string, unknown>;
  try {
    outer = decodeCbor(file, "key file") as Record<string, unknown>;
  } catch (e) {
    throw damaged(path, "the key file is not valid CBOR", e);
  }
  if (outer === null || typeof outer !== "object") throw damaged(path, "the key file is malformed");
  if (outer.v === 2) {
    const { store, device, tag } = outer;
    if (
      (store !== "secret-service" && store !== "keychain") || typeof device !== "string" ||
      !/^[A-Z2-7-]{8,80}$/.test(device) || typeof tag !== "string" || !/^[0-9a-f]{16}$/.test(tag)
    ) {
      throw damaged(path, "the key file's keyring reference is malformed");
    }
    return { form: "stub", store, device, tag };
  }
  const body = asBytes(outer.body);
  if (outer.v !== 1 || body === undefined) throw damaged(path, "the key file is malformed");
  if (outer.seal === null) return { form: "plain", body };
  const seal = parseSeal(outer.seal);
  if (seal === undefined) throw damaged(path, "the seal is malformed");
  return { form: "sealed", seal, body };
}

/**
 * The keys in a plain or sealed key file; `passphrase` opens a sealed one
 * (`passphrase_needed` without it, `bad_passphrase` when wrong).
 */
export async function openKeyFile(
  file: Exclude<KeyFile, { form: "stub" }>,
  path: string,
  passphrase: string | undefined,
): Promise<DeviceKeys> {
  let material = file.body;
  if (file.form === "sealed") {
    if (!passphrase) {
      throw new MycelError(
        "passphrase_needed",
        "read device keys",
        "they are protected by a passphrase",
        { value: path, hint: PASSPHRASE_HINT },
      );
    }
    material = await unsealBytes(passphrase, file.seal, file.body, {
      action: "read device keys",
      hint: "Check the passphrase (MYCEL_PASSPHRASE_FILE or MYCEL_PASSPHRASE).",
    });
  }
  return decodeKeyMaterial(material, path);
}

/** Read the keys at `path`, unsealing with `passphrase` when they are sealed. */
export async function readKeys(path: string, passphrase: string | undefined): Promise<DeviceKeys> {
  const file = await readKeyFile(path);
  if (file.form === "stub") {
    throw new MycelError("keys_elsewhere", "read device keys", `they are kept in ${file.store}`, {
      value: path,
    });
  }
  return await openKeyFile(file, path, passphrase);
}
