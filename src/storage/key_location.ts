/**
 * @module key_location
 * Where a home's keys are, read from its key file without touching any
 * secret ({@link locateDeviceKeys}), and the one line people see for it
 * ({@link describeKeyLocation}: "Secret Service (gnome-keyring)",
 * "file ~/.local/share/mycel/keys.cbor, sealed", "… NOT sealed"), as status,
 * doctor, init and `keys where` print it. Also the options every key entry
 * point shares.
 */

import type { HomePaths } from "./home.ts";
import { CREDENTIAL_NAME, credentialPath } from "./key_creds.ts";
import type { Prompter } from "./key_prompt.ts";
import { type KeyRunner, systemKeyRunner } from "./key_runner.ts";
import { secretServiceProvider } from "./key_secret_service.ts";
import { type KeyringName, readKeyFile } from "./key_store.ts";
import { exists } from "./fs_probe.ts";

/** Where keys can be kept. */
export type KeyStoreName = KeyringName | "file";

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
  /**
   * Ctrl-C / SIGTERM (main.ts): ends a keyring tool under way, with
   * `sync_interrupted` (exit 130), rather than wait out its deadline.
   */
  signal?: AbortSignal;
}

/** The runner of `o`, else the real one. */
export function runnerOf(o: KeyOptions): KeyRunner {
  return o.runner ?? systemKeyRunner;
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

/**
 * Where the home's keys are (reads the key file, never a secret). `probe`
 * also asks the bus which program provides the Secret Service.
 */
export async function locateDeviceKeys(
  paths: HomePaths,
  env: (name: string) => string | undefined,
  options: KeyOptions & { probe?: boolean } = {},
): Promise<KeyLocation> {
  const file = await readKeyFile(paths.keys);
  const credential = credentialPath(paths);
  const dir = env("CREDENTIALS_DIRECTORY");
  let provider: string | null = null;
  if (file.form === "stub" && file.store === "secret-service" && options.probe) {
    provider = await secretServiceProvider({
      runner: runnerOf(options),
      env,
      signal: options.signal,
    }) ?? null;
  }
  return {
    store: file.form === "stub" ? file.store : "file",
    path: paths.keys,
    sealed: file.form === "stub" ? null : file.form === "sealed",
    provider,
    credential: await exists(credential) ? credential : null,
    fromCredential: dir ? await exists(`${dir}/${CREDENTIAL_NAME}`) : false,
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
