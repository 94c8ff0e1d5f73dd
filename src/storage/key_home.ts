/**
 * @module key_home
 * The one entry point for a home's private keys: {@link saveDeviceKeys}
 * (init, join, import), {@link loadDeviceKeys} (every command that signs,
 * syncs or brings the mesh up) and {@link locateDeviceKeys} (status,
 * doctor, `keys where`; reads no secret).
 *
 * Where the keys are is chosen once, when they are saved, and recorded in
 * the home's key file (key_store.ts): the OS keyring when one answers
 * (Secret Service on Linux, the Keychain on macOS), else the 0600 file —
 * sealed by a passphrase when one is given (MYCEL_PASSPHRASE_FILE,
 * MYCEL_PASSPHRASE, or the terminal prompt). Falling back to the file is
 * never silent: the caller gets the reason and prints it. Under a systemd
 * unit given the `mycel-keys` credential, that credential wins (key_creds.ts).
 *
 * Loaded keys are kept for the life of the process (per key file), so a
 * long-running `sync serve --listen` asks the keyring or the user once.
 */

import { toHex } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { deviceIdOf } from "../log/identity.ts";
import type { HomePaths } from "./home.ts";
import { checkKeysBelong } from "./key_codec.ts";
import { credentialPath, keysFromCredentials } from "./key_creds.ts";
import {
  clearFromKeychain,
  keychainProblem,
  lookupInKeychain,
  storeInKeychain,
} from "./key_keychain.ts";
import {
  askNewPassphrase,
  passphraseFromEnv,
  prompterOf,
  withPassphrase,
} from "./key_passphrase.ts";
import type { Prompter } from "./key_prompt.ts";
import { type KeyRunner, systemKeyRunner } from "./key_runner.ts";
import {
  clearFromSecretService,
  lookupInSecretService,
  secretServiceProblem,
  secretServiceProvider,
  storeInSecretService,
} from "./key_secret_service.ts";
import {
  type KeyFile,
  type KeyringName,
  type KeyStub,
  openKeyFile,
  PASSPHRASE_HINT,
  readKeyFile,
  writeKeys,
  writeKeyStub,
} from "./key_store.ts";

/** Where keys can be kept. */
export type KeyStoreName = KeyringName | "file";
/** What `init --keys` accepts. */
export const KEY_STORE_CHOICES = ["auto", "secret-service", "keychain", "file"] as const;
/** One of {@link KEY_STORE_CHOICES}. */
export type KeyStoreChoice = typeof KEY_STORE_CHOICES[number];

/** Seams and choices shared by the entry points. */
export interface KeyOptions {
  /** Runs the keyring tools (tests pass a fake). */
  runner?: KeyRunner;
  /** Passphrase prompt; default: the terminal when stdin is one; `null`: never ask. */
  prompt?: Prompter | null;
  /** Operating system (default `Deno.build.os`). */
  os?: string;
  /** The home's device id: loaded keys must belong to it. */
  device?: string;
}

/** Where a home's keys are; no secret in it. */
export interface KeyLocation {
  /** The store. */
  store: KeyStoreName;
  /** The home's key file (the keys, or a stub naming the keyring). */
  path: string;
  /** For the file store: sealed by a passphrase. Null for keyrings. */
  sealed: boolean | null;
  /** The program behind a keyring (e.g. "gnome-keyring"), when known. */
  provider: string | null;
  /** A systemd credential made by `service install` for the units, if present. */
  credential: string | null;
  /** True when this process reads the keys from systemd's $CREDENTIALS_DIRECTORY. */
  fromCredential: boolean;
}

/** Keys loaded by this process, per key file, with the file's identity when read. */
const loaded = new Map<string, { stamp: string; keys: DeviceKeys }>();

async function stampOf(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.ino}:${s.size}:${s.mtime?.getTime()}`;
  } catch {
    return "";
  }
}

/** Forget keys kept for `paths` (after they were replaced). */
export function forgetLoadedKeys(paths: HomePaths): void {
  loaded.delete(paths.keys);
}

function runnerOf(o: KeyOptions): KeyRunner {
  return o.runner ?? systemKeyRunner;
}

function keyringFor(os: string): KeyringName | undefined {
  return os === "darwin" ? "keychain" : os === "windows" ? undefined : "secret-service";
}

async function keyringProblem(
  store: KeyringName,
  env: (name: string) => string | undefined,
  o: KeyOptions,
): Promise<string | undefined> {
  const runner = runnerOf(o);
  return store === "keychain"
    ? await keychainProblem({ runner, env })
    : await secretServiceProblem({ runner, env });
}

async function fromKeyring(
  stub: KeyStub,
  env: (name: string) => string | undefined,
  o: KeyOptions,
): Promise<DeviceKeys> {
  const runner = runnerOf(o);
  return stub.store === "keychain"
    ? await lookupInKeychain(stub, { runner, env })
    : await lookupInSecretService(stub, { runner, env });
}

/** Read the home's keys from wherever they are kept. */
export async function loadDeviceKeys(
  paths: HomePaths,
  env: (name: string) => string | undefined,
  options: KeyOptions = {},
): Promise<DeviceKeys> {
  const granted = await keysFromCredentials(env, options.device);
  if (granted !== undefined) return granted;
  const stamp = await stampOf(paths.keys);
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

/** How {@link saveDeviceKeys} chose. */
export interface SavedKeys extends KeyLocation {
  /** With `auto`: why no keyring was used (the caller prints it). */
  fallback?: string;
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

/**
 * Keep `keys` for the home at `paths` in `store` (`auto`: the OS keyring if
 * one answers, else the file) and record where in the key file. For the
 * file, the passphrase comes from the environment or a prompt (asked twice;
 * empty means none). Replaces what was there; a keyring item of the old
 * location is deleted once the new one is in place.
 */
export async function saveDeviceKeys(
  paths: HomePaths,
  keys: DeviceKeys,
  env: (name: string) => string | undefined,
  options: KeyOptions & { store?: KeyStoreChoice } = {},
): Promise<SavedKeys> {
  const os = options.os ?? Deno.build.os;
  const choice = options.store ?? "auto";
  const native = keyringFor(os);
  let fallback: string | undefined;
  let store: KeyStoreName = "file";
  if (choice === "auto") {
    const problem = native ? await keyringProblem(native, env, options) : "none on this system";
    if (problem === undefined) store = native!;
    else fallback = `no OS keyring answered: ${problem}`;
  } else if (choice !== "file") {
    if (choice !== native) {
      throw new MycelError(
        "keyring_unavailable",
        "store device keys",
        `${choice} is not on ${os}`,
        {
          hint: "Use --keys auto or --keys file.",
        },
      );
    }
    const problem = await keyringProblem(choice, env, options);
    if (problem !== undefined) {
      throw new MycelError(
        "keyring_unavailable",
        "store device keys",
        `the ${choice} is not usable: ${problem}`,
        { hint: "Use --keys file (sealed with a passphrase), or fix the keyring and retry." },
      );
    }
    store = choice;
  }
  const old = await previous(paths);
  const device = deviceIdOf(keys);
  const runner = runnerOf(options);
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
    if (store === "keychain") await storeInKeychain(stub, keys, label, { runner, env });
    else await storeInSecretService(stub, keys, label, { runner, env });
    await writeKeyStub(paths.keys, stub);
  }
  if (old?.form === "stub" && (store !== old.store || old.device !== device)) {
    if (old.store === "keychain") await clearFromKeychain(old, { runner, env });
    else await clearFromSecretService(old, { runner, env });
  }
  loaded.set(paths.keys, { stamp: await stampOf(paths.keys), keys });
  const where = await locateDeviceKeys(paths, env, { ...options, probe: true });
  return { ...where, sealed: store === "file" ? sealed : null, fallback };
}

/** Where the home's keys are (reads the key file, never a secret). */
export async function locateDeviceKeys(
  paths: HomePaths,
  env: (name: string) => string | undefined,
  options: KeyOptions & { probe?: boolean } = {},
): Promise<KeyLocation> {
  const file = await readKeyFile(paths.keys);
  let credential: string | null = credentialPath(paths);
  try {
    await Deno.lstat(credential);
  } catch {
    credential = null;
  }
  const dir = env("CREDENTIALS_DIRECTORY");
  let fromCredential = false;
  if (dir) {
    try {
      await Deno.lstat(`${dir}/mycel-keys`);
      fromCredential = true;
    } catch {
      // no credential for this unit
    }
  }
  let provider: string | null = null;
  if (file.form === "stub" && file.store === "secret-service" && options.probe) {
    provider = await secretServiceProvider({ runner: runnerOf(options), env }) ?? null;
  }
  return {
    store: file.form === "stub" ? file.store : "file",
    path: paths.keys,
    sealed: file.form === "stub" ? null : file.form === "sealed",
    provider,
    credential,
    fromCredential,
  };
}

/** One line for people: "Secret Service (gnome-keyring)", "file ~/…/keys.cbor, sealed". */
export function describeKeyLocation(
  loc: KeyLocation,
  env: (name: string) => string | undefined = () => undefined,
): string {
  const home = env("HOME");
  const shown = home && home !== "/" && loc.path.startsWith(`${home}/`)
    ? `~${loc.path.slice(home.length)}`
    : loc.path;
  const base = loc.store === "secret-service"
    ? `Secret Service${loc.provider ? ` (${loc.provider})` : ""}`
    : loc.store === "keychain"
    ? "macOS Keychain"
    : `file ${shown}, ${loc.sealed ? "sealed" : "NOT sealed"}`;
  return loc.fromCredential ? `systemd credential (the home's own: ${base})` : base;
}
