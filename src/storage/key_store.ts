/**
 * @module key_store
 * The device's private keys on disk: `keys.cbor`, mode 0600, written
 * atomically once at `init`. With `MYCEL_PASSPHRASE` set at init the key
 * material is sealed with AES-256-GCM under a scrypt-derived key, and the
 * same variable must then be set for commands that sign or sync. Keys never
 * go to argv, logs or error text.
 */

import { asBytes, plain } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { writeFileAtomic } from "./atomic.ts";

const FIELDS = [
  ["s", "signPrivate"],
  ["S", "signPublic"],
  ["n", "noisePrivate"],
  ["N", "noisePublic"],
  ["w", "wgPrivate"],
  ["W", "wgPublic"],
] as const;

/** scrypt cost; about 0.1 s here, paid only by commands that need the keys. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 };

async function sealKey(passphrase: string, salt: Uint8Array): Promise<CryptoKey> {
  const { scryptAsync } = await import("@noble/hashes/scrypt.js");
  const raw = await scryptAsync(passphrase, salt, { ...SCRYPT, dkLen: 32 });
  return crypto.subtle.importKey("raw", plain(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** Write `keys` to `path` (0600), sealed when `passphrase` is given. */
export async function writeKeys(
  path: string,
  keys: DeviceKeys,
  passphrase?: string,
): Promise<void> {
  const map: Record<string, Uint8Array> = {};
  for (const [short, field] of FIELDS) map[short] = keys[field];
  let body = encodeCbor(map);
  let seal: Record<string, unknown> | null = null;
  if (passphrase) {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const key = await sealKey(passphrase, salt);
    body = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, plain(body)),
    );
    seal = { kdf: "scrypt", ...SCRYPT, salt, nonce };
  }
  await writeFileAtomic(path, encodeCbor({ v: 1, seal, body }));
}

function damaged(path: string, reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_keys", "read device keys", reason, {
    value: path,
    hint: "Restore the file from a backup, or re-pair this machine (`mycel init` in a new home).",
    cause,
  });
}

/** Read the keys at `path`, unsealing with `passphrase` when they are sealed. */
export async function readKeys(path: string, passphrase: string | undefined): Promise<DeviceKeys> {
  let file: Uint8Array;
  try {
    file = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw damaged(path, "the key file is missing", e);
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new MycelError("permission", "read device keys", "permission denied", {
        value: path,
        hint: "Run mycel as the user who owns this home.",
      });
    }
    throw e;
  }
  const outer = decodeCbor(file, "key file") as Record<string, unknown>;
  let body = asBytes(outer?.body);
  if (outer?.v !== 1 || body === undefined) throw damaged(path, "the key file is malformed");
  const seal = outer.seal as Record<string, unknown> | null;
  if (seal) {
    if (!passphrase) {
      throw new MycelError(
        "passphrase_needed",
        "read device keys",
        "they are protected by a passphrase",
        {
          hint: "Set MYCEL_PASSPHRASE to the passphrase given at `mycel init`.",
        },
      );
    }
    const salt = asBytes(seal.salt), nonce = asBytes(seal.nonce);
    if (salt === undefined || nonce === undefined) throw damaged(path, "the seal is malformed");
    try {
      const key = await sealKey(passphrase, salt);
      body = new Uint8Array(
        await crypto.subtle.decrypt({ name: "AES-GCM", iv: plain(nonce) }, key, plain(body)),
      );
    } catch (e) {
      throw new MycelError("bad_passphrase", "read device keys", "the passphrase is wrong", {
        hint: "Check MYCEL_PASSPHRASE.",
        cause: e,
      });
    }
  }
  const map = decodeCbor(body, "keys") as Record<string, unknown>;
  const keys: Record<string, Uint8Array> = {};
  for (const [short, field] of FIELDS) {
    const v = asBytes(map?.[short]);
    if (v?.length !== 32) throw damaged(path, `the ${field} is missing or malformed`);
    keys[field] = v;
  }
  return keys as unknown as DeviceKeys;
}
