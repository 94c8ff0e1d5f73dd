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
 * The secret `view` holds under the reserved `key` (base64 text), when it is
 * usable: at least `minBytes` bytes. Any other value (a member may write
 * one) counts as none.
 */
export function reservedSecret(
  view: StateView,
  key: string,
  minBytes: number,
): Uint8Array | undefined {
  const v = view.config(key);
  if (typeof v !== "string") return undefined;
  try {
    const bytes = fromBase64(v);
    return bytes.length >= minBytes ? bytes : undefined;
  } catch {
    return undefined; // not base64
  }
}
