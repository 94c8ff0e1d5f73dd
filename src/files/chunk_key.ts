/**
 * @module chunk_key
 * The secret a folder's chunk boundaries are keyed by (gear_seed.ts). Each
 * folder gets 32 bytes when it is shared, in the same entry as its
 * `folder.share`, kept in the replicated state under a reserved config key
 * (`mycel.chunk-key.<id>`, the id in base64url so every folder id makes a
 * valid key): every device that can see the folder sees its key, and the
 * key only travels inside Noise sessions between members, so a relay or an
 * outsider who knows the mesh id (cards print it) can't tell a known file
 * from the sizes of the messages that carry it.
 *
 * The key is derived (HKDF) from the mesh's random secret (the one LAN
 * discovery is keyed by, mesh/discovery_key.ts) and the folder id, as the
 * state shows it when the folder is shared; random only on a device that
 * has no mesh secret yet (alone). So two devices that share folders under
 * one id before hearing of each other's derive the same key: with two keys,
 * one file would be cut two ways, and as equal content is told by equal
 * chunk lists (conflict.ts), identical files would become conflict copies
 * (a review found that with random keys). Written once: nothing rotates it
 * (a removed device had the files anyway; a later removal changes the mesh
 * secret, not the keys made before), and `config` neither lists nor sets
 * `mycel.` keys. A folder shared by an earlier release has none; it keeps
 * the interim secret, SHA-256 of a label and the mesh id, on every device
 * alike. Pure (randomness from WebCrypto).
 */

import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, toBase64, toBase64Url, utf8 } from "../bytes.ts";
import type { Op } from "../log/ops.ts";
import {
  readReservedSecret,
  RESERVED_CONFIG_PREFIX,
  type ReservedSecret,
} from "../log/reserved_config.ts";
import type { StateView } from "../log/state.ts";
import { MIN_GEAR_SECRET_BYTES } from "./gear_seed.ts";

/** The reserved config key holding folder `folder`'s chunking secret (base64 text). */
export function chunkKeyName(folder: string): string {
  return `${RESERVED_CONFIG_PREFIX}chunk-key.${toBase64Url(utf8(folder))}`;
}

/**
 * The op that gives the folder `folder`, shared in the same entry, its key:
 * from `meshSecret` (the state's, when it has one) and the id, else random.
 * It replaces whatever `view` shows under that name.
 */
export function newChunkKeyOp(folder: string, view: StateView, meshSecret?: Uint8Array): Op {
  const key = meshSecret === undefined
    ? crypto.getRandomValues(new Uint8Array(32))
    : hkdf(sha256, meshSecret, utf8("mycel/chunk-key/v1"), utf8(folder), 32);
  const name = chunkKeyName(folder);
  return {
    type: "config.set",
    key: name,
    value: toBase64(key),
    observed: view.observed("config", name),
  };
}

/** The secret of folders shared without one: a label and the mesh id, hashed. */
export function interimChunkSecret(meshId: string): Uint8Array {
  return sha256(concatBytes(utf8("mycel/files/interim-mesh-secret\0"), utf8(meshId)));
}

/**
 * Folder `folder`'s key as `view` holds it: the key when usable, else why it
 * is not (none: shared by an earlier release; a value a member wrote that
 * is not base64 of 16 bytes or more). `doctor` names such a folder.
 */
export function chunkKeyState(view: StateView, folder: string): ReservedSecret {
  return readReservedSecret(view, chunkKeyName(folder), MIN_GEAR_SECRET_BYTES);
}

/**
 * Folder `folder`'s chunking secret: its key in `view` when that holds a
 * usable one, else the interim secret of mesh `meshId`.
 */
export function chunkSecret(view: StateView, meshId: string, folder: string): Uint8Array {
  const key = chunkKeyState(view, folder);
  return "secret" in key ? key.secret : interimChunkSecret(meshId);
}
