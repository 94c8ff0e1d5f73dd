/**
 * @module reserved_config
 * Config keys under `mycel.` are reserved for mycel itself (the LAN
 * discovery secret, mesh/discovery_key.ts; each folder's chunking key,
 * files/chunk_key.ts): `config` neither lists nor sets them, `status` does
 * not count them and `log` never prints their values. A module of its own
 * so those readers need nothing else. Pure.
 */

import { fromBase64 } from "../bytes.ts";
import type { StateView } from "./state.ts";

/** Prefix of config keys reserved for mycel itself. */
export const RESERVED_CONFIG_PREFIX = "mycel.";

/** True when `key` is reserved for mycel (not listed or set by `config`). */
export function isReservedConfigKey(key: string): boolean {
  return key.startsWith(RESERVED_CONFIG_PREFIX);
}

/**
 * What `view` holds under the reserved `key` (a secret as base64 text): the
 * secret when it is usable, at least `minBytes` bytes, else why it is not.
 * One reading for the code that uses the secret and for `doctor`, which
 * names a value that counts as none (files/chunk_key.ts).
 */
export type ReservedSecret =
  | { readonly secret: Uint8Array }
  | { readonly problem: "none" | "not text" | "not base64" }
  | { readonly problem: "too short"; readonly bytes: number; readonly minBytes: number };

/** Read the secret under the reserved `key` (see {@link ReservedSecret}). */
export function readReservedSecret(
  view: StateView,
  key: string,
  minBytes: number,
): ReservedSecret {
  const v = view.config(key);
  if (v === undefined) return { problem: "none" };
  if (typeof v !== "string") return { problem: "not text" };
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(v);
  } catch {
    return { problem: "not base64" };
  }
  return bytes.length >= minBytes
    ? { secret: bytes }
    : { problem: "too short", bytes: bytes.length, minBytes };
}

/**
 * The secret `view` holds under the reserved `key` (base64 text), when it is
 * usable: at least `minBytes` bytes. Any other value (a member may write
 * one) counts as none.
 */
export function reservedSecret(
  view: StateView,
  key: string,
  minBytes: number,
): Uint8Array | undefined {
  const r = readReservedSecret(view, key, minBytes);
  return "secret" in r ? r.secret : undefined;
}
