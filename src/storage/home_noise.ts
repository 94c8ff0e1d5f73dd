/**
 * @module home_noise
 * Where a home's Noise pair comes from, cheapest first, so a responder
 * finishes a handshake before it opens anything costly or secret:
 * - keys in a plain file (readable by whoever reads the database anyway):
 *   the database keeps the pair;
 * - keys sealed by a passphrase or held by a keyring: no copy in the
 *   database (a stolen disk must not let a thief keep syncing as this
 *   device), but a copy in RAM once they were opened (noise_cache.ts), so
 *   strangers cost no scrypt or keyring call;
 * - under a systemd credential the keys are a cheap file read: nothing kept.
 * Otherwise the keys are opened, and what is kept is brought up to date.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceKeys } from "../log/identity.ts";
import type { StateView } from "../log/state.ts";
import { fileStamp } from "./fs_probe.ts";
import type { HomePaths } from "./home.ts";
import { readKeyFile } from "./key_store.ts";
import { bytesEqual } from "../bytes.ts";
import {
  cacheDir,
  type NoisePair,
  pairFile,
  readNoisePair,
  writeNoisePair,
} from "./noise_cache.ts";
import type { LocalView } from "./sql_local.ts";

/** What of an open home the Noise pair needs. */
export interface NoiseHome {
  paths: HomePaths;
  device: DeviceKey;
  view: StateView;
  local: LocalView;
  env: (name: string) => string | undefined;
  keys: () => Promise<DeviceKeys>;
  /** Keep (or, null, drop) the pair in the database; undefined when read-only. */
  keepInDb?: (pair: { publicKey: Uint8Array; privateKey: Uint8Array } | null) => Promise<void>;
}

/** This device's Noise pair (see the module comment). */
export async function noiseKeysOf(h: NoiseHome): Promise<NoisePair> {
  const form = await readKeyFile(h.paths.keys).then((f) => f.form, () => undefined);
  const plain = form === "plain";
  const pub = h.local.meta("noise_public"), priv = h.local.meta("noise_private");
  const kept = pub instanceof Uint8Array && priv instanceof Uint8Array;
  if (plain && kept) return { noisePublic: pub, noisePrivate: priv };
  const ram = form !== undefined && !plain && h.env("CREDENTIALS_DIRECTORY") === undefined
    ? await inRam(h)
    : undefined;
  if (ram?.pair !== undefined) return ram.pair;
  const keys = await h.keys();
  const pair = { noisePublic: keys.noisePublic, noisePrivate: keys.noisePrivate };
  await ram?.keep(pair);
  if (h.keepInDb !== undefined && plain !== kept) {
    await h.keepInDb(plain ? { publicKey: keys.noisePublic, privateKey: keys.noisePrivate } : null);
  }
  return pair;
}

/** The pair kept in RAM, and how to keep it; undefined when there is no safe place. */
async function inRam(
  h: NoiseHome,
): Promise<{ pair?: NoisePair; keep(p: NoisePair): Promise<void> } | undefined> {
  const dir = await cacheDir(h.env);
  const announced = h.view.member(h.device)?.record.noiseKey;
  if (dir === undefined || announced === undefined) return undefined;
  const expect = Uint8Array.fromBase64(announced);
  const stamp = await fileStamp(h.paths.keys);
  const path = await pairFile(dir, h.paths.root);
  return {
    pair: await readNoisePair(path, stamp, expect),
    keep: async (p) => {
      // Only the pair this device's record announces (peers would refuse another).
      if (bytesEqual(p.noisePublic, expect)) await writeNoisePair(path, stamp, p);
    },
  };
}
