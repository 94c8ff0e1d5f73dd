/**
 * @module key_where
 * Where a home's private keys are kept, as `keys where`, `status`, `doctor`,
 * `init` and `keys import` report it (reads no secret). It imports the key
 * location module alone, not the key_home facade, whose loaders and savers
 * (keyrings, sealing, prompts) a read-only command never needs at start-up.
 */

import { homePaths } from "../storage/home.ts";
import { homeDevice } from "../storage/home_handle.ts";
import {
  describeKeyLocation,
  type KeyLocation,
  locateDeviceKeys,
} from "../storage/key_location.ts";
import type { KeysJson } from "./json_types.ts";

/** The JSON form of a key location. */
export function keyLocationJson(
  loc: KeyLocation,
  env: (name: string) => string | undefined,
): KeysJson {
  return {
    store: loc.store,
    sealed: loc.sealed,
    provider: loc.provider,
    path: loc.path,
    description: describeKeyLocation(loc, env),
    credential: loc.credential,
    from_credential: loc.fromCredential,
  };
}

/**
 * Where the keys of the home at `root` are. `opened`: the caller has just
 * opened that home, so it exists (otherwise opening it first gives the
 * not-set-up error before anything else).
 */
export async function keysWhere(
  root: string,
  env: (name: string) => string | undefined,
  opened = false,
  signal?: AbortSignal,
): Promise<KeysJson> {
  if (!opened) await homeDevice(root, env);
  const where = await locateDeviceKeys(homePaths(root), env, { probe: true, signal });
  return keyLocationJson(where, env);
}
