/**
 * @module discovery_key
 * The mesh secret LAN discovery is keyed by (docs/discovery.md, "The mesh
 * secret"). It is 32 random bytes kept in the replicated state under the
 * reserved config key `mycel.discovery-key`, so every member has the same
 * value and it only ever travels inside Noise sessions between members:
 * written into the entry that admits the mesh's second device (pairing or
 * `mesh add-peer`) when the state has none yet, and replaced by a fresh
 * value in the same entry as every `device.revoke` (a removed device is
 * refused before it could learn the new one). A device alone never makes
 * one, so a lone device joining a mesh brings no value of its own to
 * compete with the mesh's. A mesh with no value yet (made before this, or
 * two lone devices that both added the other's card, until their first
 * sync settles it last-writer-wins) uses the interim derivation from the
 * mesh id; responders accept probes under both. `mycel.` keys are reserved: `config` neither
 * lists nor sets them. Pure (randomness from WebCrypto).
 */

import { toBase64 } from "../bytes.ts";
import type { Op } from "../log/ops.ts";
import type { StateView } from "../log/state.ts";
import { interimMeshSecret, MIN_SECRET_BYTES } from "../protocol/discovery.ts";
import { RESERVED_CONFIG_PREFIX, reservedSecret } from "../log/reserved_config.ts";

/** The reserved config key holding the secret (base64 text). */
export const DISCOVERY_KEY = `${RESERVED_CONFIG_PREFIX}discovery-key`;
/** The op that sets a fresh random secret, replacing whatever `view` shows. */
export function newDiscoveryKeyOp(view?: StateView): Op {
  const value = toBase64(crypto.getRandomValues(new Uint8Array(32)));
  const observed = view?.observed("config", DISCOVERY_KEY) ?? [];
  return { type: "config.set", key: DISCOVERY_KEY, value, observed };
}

/** The secret in `view`, when it holds a usable one. */
export function stateSecret(view: StateView): Uint8Array | undefined {
  return reservedSecret(view, DISCOVERY_KEY, MIN_SECRET_BYTES);
}

/**
 * The secrets of mesh `meshId`: the one to send with first (the state's,
 * else the interim one), then the interim one when the state has its own
 * (accepted from members that have not heard of it yet).
 */
export function discoverySecrets(view: StateView, meshId: string): Uint8Array[] {
  const interim = interimMeshSecret(meshId);
  const own = stateSecret(view);
  return own ? [own, interim] : [interim];
}
