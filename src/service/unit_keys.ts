/**
 * @module unit_keys
 * How the timer (systemd units or cron lines) gets the device's private keys
 * when nobody is there to type a passphrase or unlock a keyring:
 * - keys in a plain file: nothing to do;
 * - `--passphrase-file FILE` (keys sealed in a file): the units and cron lines
 *   get `MYCEL_PASSPHRASE_FILE=FILE`; FILE must be 0600 and must open the keys.
 *   Without the flag, a MYCEL_PASSPHRASE_FILE set for this command is used
 *   the same way when no systemd credential can be made (cron, old systemd);
 * - systemd units otherwise (sealed file, or a keyring): the key material is
 *   encrypted with `systemd-creds` to `mycel-keys.cred` in the home and the
 *   units load it with `LoadCredentialEncrypted=` (system units as root, user
 *   units on systemd 256+); user units with a Secret Service and no usable
 *   credential read the keyring (only while the user's keyring is unlocked);
 * - cron: a sealed file needs `--passphrase-file`; a Secret Service is reached
 *   through the user's session bus `/run/user/UID/bus` while logged in;
 * - launchd agents (macOS): the login Keychain is theirs to read; a sealed
 *   file needs `--passphrase-file` (the plists carry the variable).
 * A plan that needs nothing removes a credential left by an earlier install.
 */

import { MycelError, usageError } from "../errors.ts";
import type { HomePaths } from "../storage/home.ts";
import {
  credentialPath,
  credentialProblem,
  encryptKeysCredential,
  systemdVersion,
} from "../storage/key_creds.ts";
import { unitPath } from "./unit_values.ts";
import { loadDeviceKeys, locateDeviceKeys } from "../storage/key_home.ts";
import { readPassphraseFile } from "../storage/key_passphrase.ts";
import { currentCaller } from "../storage/home_guard.ts";
import { type KeyRunner, systemKeyRunner } from "../storage/key_runner.ts";
import { openKeyFile, readKeyFile } from "../storage/key_store.ts";

/** What the units (or cron lines) get so they can read the keys. */
export interface UnitKeys {
  /** Encrypted credential for `LoadCredentialEncrypted=mycel-keys:PATH`. */
  credential?: string;
  /** Environment for the units / cron lines. */
  env: Record<string, string>;
  /** One line for the user: how the timer gets the keys. */
  note: string;
}

/** Where the plan is for. */
export interface UnitKeysTarget {
  /** systemd units of a scope, cron lines, or launchd agents (macOS). */
  kind: "user" | "system" | "cron" | "launchd";
  /** `--passphrase-file`, if given. */
  passphraseFile?: string;
  /** This process's environment. */
  env: (name: string) => string | undefined;
  /** The home's device id. */
  device: string;
  /** Runs systemd-creds (tests may pass a fake). */
  runner?: KeyRunner;
  /** This user's uid (default Deno.uid()). */
  uid?: number | null;
  /**
   * System units for a user's home: the uid they run as (`User=`), who must
   * then own a passphrase file they are given.
   */
  runAs?: number;
  /** Ctrl-C / SIGTERM: ends systemd-creds or a keyring tool under way (`sync_interrupted`). */
  signal?: AbortSignal;
}

/**
 * Units that run as `owner` read a passphrase file as that user, so it must
 * be theirs: root's own 0600 file would be unreadable there, and every round
 * would fail to open the keys.
 */
async function checkOwnerReads(file: string, owner: number | undefined): Promise<void> {
  if (owner === undefined) return;
  const uid = (await Deno.stat(file).catch(() => undefined))?.uid;
  if (uid === owner) return;
  throw new MycelError(
    "passphrase_file",
    "set up the timer",
    `the units run as the home's owner (uid ${owner}), who does not own the passphrase file`,
    {
      value: file,
      hint: `Give the file to that user (chown ${owner} FILE, mode 0600), or let the units ` +
        "get the keys as a systemd credential (systemd 250 or later, without --passphrase-file).",
    },
  );
}

async function checkedPassphraseFile(
  paths: HomePaths,
  file: string,
  owner: number | undefined,
): Promise<string> {
  const where = await locateDeviceKeys(paths, () => undefined);
  if (where.store !== "file" || !where.sealed) {
    throw usageError("use --passphrase-file", "the keys are not sealed in a file", {
      value: where.store === "file" ? "file, not sealed" : where.store,
    });
  }
  let abs: string;
  try {
    abs = await Deno.realPath(file);
  } catch {
    abs = file;
  }
  const passphrase = await readPassphraseFile(abs, owner);
  const keyFile = await readKeyFile(paths.keys);
  if (keyFile.form !== "sealed") throw new Error("unreachable: checked sealed above");
  await openKeyFile(keyFile, paths.keys, passphrase); // bad_passphrase if it does not open them
  unitPath(abs); // refuse now a path the units could not carry
  return abs;
}

/** Plan (and, for a credential, write) what the timer needs to read the keys. */
export async function planUnitKeys(paths: HomePaths, t: UnitKeysTarget): Promise<UnitKeys> {
  const runner = t.runner ?? systemKeyRunner;
  const credFile = credentialPath(paths);
  const dropStale = () => Deno.remove(credFile).catch(() => {});
  const withFile = async (given: string) => {
    const file = await checkedPassphraseFile(paths, given, currentCaller(t.env).delegatedBy);
    // Checked before anything changes: a refused install keeps the credential
    // the units installed before load.
    await checkOwnerReads(file, t.runAs);
    await dropStale();
    return {
      env: { MYCEL_PASSPHRASE_FILE: file },
      note: `keys: sealed in a file; the timer reads the passphrase from ${file} (keep it 0600)`,
    };
  };
  if (t.passphraseFile !== undefined) return await withFile(t.passphraseFile);
  const where = await locateDeviceKeys(paths, t.env);
  // Sealed keys and no credential possible: the passphrase file this command
  // itself was given (MYCEL_PASSPHRASE_FILE) is the one the timer uses.
  const envFile = where.store === "file" && where.sealed
    ? t.env("MYCEL_PASSPHRASE_FILE")
    : undefined;
  if (where.store === "file" && !where.sealed) {
    await dropStale();
    return { env: {}, note: "keys: file, NOT sealed; the timer reads it directly" };
  }
  const uid = t.uid === undefined ? Deno.uid() : t.uid;
  if (t.kind === "cron" || t.kind === "launchd") {
    return envFile ? await withFile(envFile) : await cronPlan(t.kind, where.store, uid);
  }
  const problem = credentialProblem(t.kind, await systemdVersion(runner, t.env, t.signal), uid);
  if (problem === undefined) {
    unitPath(credFile); // refuse now a home path the units could not carry
    const keys = await loadDeviceKeys(paths, t.env, { device: t.device, runner, signal: t.signal });
    await encryptKeysCredential(keys, credFile, t.kind, runner, t.env, t.signal);
    return {
      credential: credFile,
      env: {},
      note: `keys: the units get them as the systemd credential ${credFile} ` +
        "(encrypted for this machine; re-run service install after `keys import`)",
    };
  }
  if (envFile) return await withFile(envFile);
  if (where.store === "secret-service" && t.kind === "user") {
    await dropStale();
    return {
      env: {},
      note: `keys: the user units read the Secret Service, so they sync while you are logged ` +
        `in with the keyring unlocked (no systemd credential: ${problem})`,
    };
  }
  throw new MycelError("keys_unreachable", "set up the timer", `it could not read the keys`, {
    value: `${where.store}${where.sealed ? ", sealed" : ""}; no systemd credential: ${problem}`,
    hint: where.store === "file"
      ? "Create a 0600 file holding the passphrase and pass --passphrase-file FILE, " +
        "or install system units as root (sudo mycel service install --system)."
      : "Install system units as root (they get a systemd credential), or move the keys to a " +
        "sealed file (`mycel keys export F`, `mycel keys import F --keys file`) and pass " +
        "--passphrase-file.",
  });
}

async function cronPlan(
  kind: "cron" | "launchd",
  store: string,
  uid: number | null,
): Promise<UnitKeys> {
  if (store === "file") {
    throw new MycelError("passphrase_needed", `set up ${kind}`, "nobody can type the passphrase", {
      hint: "Create a file only you can read holding the passphrase (chmod 600), then run " +
        `\`mycel service install${kind === "cron" ? " --cron" : ""} --passphrase-file FILE\`.`,
    });
  }
  if (store === "secret-service" && kind === "cron") {
    const bus = `/run/user/${uid}/bus`;
    try {
      await Deno.lstat(bus);
    } catch {
      throw new MycelError("keyring_unavailable", "set up cron", "cron cannot reach the keyring", {
        value: `no session bus at ${bus}`,
        hint: "Move the keys to a sealed file (`mycel keys export F`, `mycel keys import F " +
          "--keys file`) and pass --passphrase-file FILE.",
      });
    }
    return {
      env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${bus}` },
      note: "keys: cron reaches the Secret Service through your session bus, so it syncs " +
        "while you are logged in with the keyring unlocked",
    };
  }
  return {
    env: {},
    note: kind === "launchd"
      ? `keys: the agents read them from the ${store} (while you are logged in)`
      : `keys: cron reads them from the ${store}`,
  };
}
