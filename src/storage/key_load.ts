/**
 * @module key_load
 * {@link loadDeviceKeys}: a home's keys from wherever they are kept — the
 * systemd credential handed to this unit first, else what the key file
 * says: the keyring item it names, or the file itself (opened with the
 * passphrase from MYCEL_PASSPHRASE_FILE / MYCEL_PASSPHRASE / the terminal).
 * Keys of another device than the home's are refused.
 *
 * Loaded keys are kept for the life of the process, per key file and only
 * while that file is unchanged (inode, size, mtime), so a long-running
 * `sync serve --listen` asks the keyring or the user once, and keys
 * replaced by `keys import` are read again.
 */

import { MycelError } from "../errors.ts";
import type { DeviceKeys } from "../log/identity.ts";
import type { HomePaths } from "./home.ts";
import { fileStamp } from "./fs_probe.ts";
import { checkKeysBelong } from "./key_codec.ts";
import { keysFromCredentials } from "./key_creds.ts";
import { lookupInKeychain } from "./key_keychain.ts";
import { type KeyOptions, runnerOf } from "./key_location.ts";
import { prompterOf, withPassphrase } from "./key_passphrase.ts";
import { lookupInSecretService } from "./key_secret_service.ts";
import { type KeyStub, openKeyFile, PASSPHRASE_HINT, readKeyFile } from "./key_store.ts";

/** Keys loaded by this process, per key file, with the file's identity when read. */
const loaded = new Map<string, { stamp: string; keys: DeviceKeys }>();

/** Keep `keys` as the ones of `paths` (just saved there). */
export async function rememberKeys(paths: HomePaths, keys: DeviceKeys): Promise<void> {
  loaded.set(paths.keys, { stamp: await fileStamp(paths.keys), keys });
}

function fromKeyring(
  stub: KeyStub,
  env: (name: string) => string | undefined,
  o: KeyOptions,
): Promise<DeviceKeys> {
  const k = { runner: runnerOf(o), env, signal: o.signal };
  return stub.store === "keychain" ? lookupInKeychain(stub, k) : lookupInSecretService(stub, k);
}

/** Read the home's keys from wherever they are kept. */
export async function loadDeviceKeys(
  paths: HomePaths,
  env: (name: string) => string | undefined,
  options: KeyOptions = {},
): Promise<DeviceKeys> {
  const granted = await keysFromCredentials(env, options.device);
  if (granted !== undefined) return granted;
  const stamp = await fileStamp(paths.keys);
  const kept = loaded.get(paths.keys);
  if (kept !== undefined && kept.stamp === stamp) return kept.keys;
  const file = await readKeyFile(paths.keys);
  const keys = file.form === "stub"
    ? await fromKeyring(file, env, options)
    : file.form === "plain"
    ? await openKeyFile(file, paths.keys, undefined)
    : await withPassphrase(
      env,
      prompterOf(options.prompt),
      `Passphrase for mycel's device keys (${paths.root}): `,
      (p) => openKeyFile(file, paths.keys, p),
      () =>
        new MycelError(
          "passphrase_needed",
          "read device keys",
          "they are protected by a passphrase",
          {
            value: paths.keys,
            hint: PASSPHRASE_HINT,
          },
        ),
    );
  if (options.device !== undefined) checkKeysBelong(keys, options.device, paths.keys);
  loaded.set(paths.keys, { stamp, keys });
  return keys;
}
