/**
 * @module key_save
 * {@link saveDeviceKeys}: keep a home's keys in the chosen store and record
 * where in its key file. `auto` takes the OS keyring when one answers a
 * short probe (Secret Service on Linux, the Keychain on macOS), else the
 * 0600 file — sealed when a passphrase comes from MYCEL_PASSPHRASE_FILE,
 * MYCEL_PASSPHRASE or the terminal (asked twice; empty means none). The
 * fallback is never silent: the reason is returned for the caller to print.
 * A keyring item of the old location is deleted once the new one is in place.
 */

import { toHex } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { deviceIdOf, type DeviceKeys } from "../log/identity.ts";
import type { HomePaths } from "./home.ts";
import { clearFromKeychain, keychainProblem, storeInKeychain } from "./key_keychain.ts";
import { rememberKeys } from "./key_load.ts";
import {
  type KeyLocation,
  type KeyOptions,
  type KeyStoreName,
  locateDeviceKeys,
  runnerOf,
} from "./key_location.ts";
import { askNewPassphrase, passphraseFromEnv, prompterOf } from "./key_passphrase.ts";
import {
  clearFromSecretService,
  secretServiceProblem,
  storeInSecretService,
} from "./key_secret_service.ts";
import {
  type KeyFile,
  type KeyringName,
  type KeyStub,
  readKeyFile,
  writeKeys,
  writeKeyStub,
} from "./key_store.ts";
import type { KeyStoreChoice } from "./key_choices.ts";

export { KEY_STORE_CHOICES, type KeyStoreChoice } from "./key_choices.ts";

/** How {@link saveDeviceKeys} chose. */
export interface SavedKeys extends KeyLocation {
  /** With `auto`: why no keyring was used (the caller prints it). */
  fallback?: string;
}

function keyringFor(os: string): KeyringName | undefined {
  return os === "darwin" ? "keychain" : os === "windows" ? undefined : "secret-service";
}

function keyringProblem(
  store: KeyringName,
  env: (name: string) => string | undefined,
  o: KeyOptions,
): Promise<string | undefined> {
  const k = { runner: runnerOf(o), env, signal: o.signal };
  return store === "keychain" ? keychainProblem(k) : secretServiceProblem(k);
}

/** The store to use, and why not a keyring when `auto` fell back to the file. */
async function chooseStore(
  choice: KeyStoreChoice,
  env: (name: string) => string | undefined,
  o: KeyOptions,
): Promise<{ store: KeyStoreName; fallback?: string }> {
  const os = o.os ?? Deno.build.os;
  const native = keyringFor(os);
  if (choice === "file") return { store: "file" };
  if (choice === "auto") {
    const problem = native ? await keyringProblem(native, env, o) : "none on this system";
    return problem === undefined
      ? { store: native! }
      : { store: "file", fallback: `no OS keyring answered: ${problem}` };
  }
  const problem = choice !== native ? `it is not on ${os}` : await keyringProblem(choice, env, o);
  if (problem !== undefined) {
    throw new MycelError(
      "keyring_unavailable",
      "store device keys",
      `the ${choice} is not usable: ${problem}`,
      {
        hint: "Use --keys file (sealed with a passphrase), or fix the keyring and retry.",
      },
    );
  }
  return { store: choice };
}

async function homeTag(root: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(root));
  return toHex(new Uint8Array(digest)).slice(0, 16);
}

async function previous(paths: HomePaths): Promise<KeyFile | undefined> {
  try {
    return await readKeyFile(paths.keys);
  } catch {
    return undefined;
  }
}

/** Keep `keys` for the home at `paths` in `store` (default `auto`); see the module doc. */
export async function saveDeviceKeys(
  paths: HomePaths,
  keys: DeviceKeys,
  env: (name: string) => string | undefined,
  options: KeyOptions & { store?: KeyStoreChoice } = {},
): Promise<SavedKeys> {
  const { store, fallback } = await chooseStore(options.store ?? "auto", env, options);
  const old = await previous(paths);
  const device = deviceIdOf(keys);
  const k = { runner: runnerOf(options), env, signal: options.signal };
  let sealed: boolean | null = null;
  if (store === "file") {
    let passphrase = (await passphraseFromEnv(env))?.value;
    const prompt = passphrase === undefined ? prompterOf(options.prompt) : undefined;
    if (prompt !== undefined) {
      passphrase = await askNewPassphrase(
        prompt,
        "Passphrase to seal this device's keys (empty: none): ",
      );
    }
    await writeKeys(paths.keys, keys, passphrase);
    sealed = passphrase !== undefined;
  } else {
    const tag = old?.form === "stub" && old.device === device ? old.tag : await homeTag(paths.root);
    const stub: KeyStub = { store, device, tag };
    const label = `mycel device keys ${device.slice(0, 7)} (${paths.root})`;
    if (store === "keychain") await storeInKeychain(stub, keys, label, k);
    else await storeInSecretService(stub, keys, label, k);
    await writeKeyStub(paths.keys, stub);
  }
  if (old?.form === "stub" && (store !== old.store || old.device !== device)) {
    if (old.store === "keychain") await clearFromKeychain(old, k);
    else await clearFromSecretService(old, k);
  }
  await rememberKeys(paths, keys);
  const where = await locateDeviceKeys(paths, env, { ...options, probe: true });
  return { ...where, sealed, fallback };
}

/**
 * Take away the keyring item a set-up of a new device in the home at `paths`
 * may have stored (`device`: its id), when the set-up did not finish (a
 * Ctrl-C after the keyring kept the keys, before the home was written):
 * else the item of a device that never was stayed. Only the item with this
 * device's id and this home's tag: a new device's id is its own, so no other
 * home's item is named. Never stopped by the set-up's (aborted) signal, and
 * best effort.
 */
export async function forgetStoredKeys(
  paths: HomePaths,
  device: string,
  env: (name: string) => string | undefined,
): Promise<void> {
  const stub: KeyStub = { store: "secret-service", device, tag: await homeTag(paths.root) };
  const k = { runner: runnerOf({}), env, timeoutMs: 5000 };
  const native = keyringFor(Deno.build.os);
  try {
    if (native === "keychain") await clearFromKeychain({ ...stub, store: native }, k);
    else if (native === "secret-service") await clearFromSecretService(stub, k);
  } catch {
    // best effort: the set-up's own error is what the caller hears
  }
}
