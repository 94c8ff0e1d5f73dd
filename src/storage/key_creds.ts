/**
 * @module key_creds
 * Device keys for headless systemd units: `mycel service install` encrypts
 * the key material with `systemd-creds encrypt` (plaintext on its stdin,
 * ciphertext from its stdout, written 0600 beside the home as
 * `mycel-keys.cred`); the units say `LoadCredentialEncrypted=mycel-keys:PATH`;
 * at run time systemd decrypts it (with the TPM2 and/or the host key
 * `/var/lib/systemd/credential.secret`) into `$CREDENTIALS_DIRECTORY/mycel-keys`,
 * readable by that unit only, and mycel reads the keys from there — so a
 * passphrase-sealed or keyring-held home syncs from a timer with no one
 * logged in and no passphrase on disk.
 *
 * The credential is bound to this machine: copied elsewhere it decrypts to
 * nothing. Keys in it are checked against the home's device id before use.
 */

import { MycelError } from "../errors.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { writeFileAtomic } from "./atomic.ts";
import type { HomePaths } from "./home.ts";
import { checkKeysBelong, decodeKeyMaterial, encodeKeyMaterial } from "./key_codec.ts";
import { firstLine, type KeyRunner, toolEnv } from "./key_runner.ts";

/** The credential's name (the file name under $CREDENTIALS_DIRECTORY). */
export const CREDENTIAL_NAME = "mycel-keys";

/** Where `service install` keeps the encrypted credential of a home. */
export function credentialPath(paths: HomePaths): string {
  return `${paths.root}/${CREDENTIAL_NAME}.cred`;
}

/**
 * The keys systemd handed this unit, or undefined when it handed none (not
 * under a unit, or a unit without the credential).
 */
export async function keysFromCredentials(
  env: (name: string) => string | undefined,
  device: string | undefined,
): Promise<DeviceKeys | undefined> {
  const dir = env("CREDENTIALS_DIRECTORY");
  if (!dir) return undefined;
  const path = `${dir}/${CREDENTIAL_NAME}`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new MycelError("bad_keys", "read device keys", "the systemd credential is unreadable", {
      value: path,
      hint: "Re-run `mycel service install`.",
      cause: e,
    });
  }
  const keys = decodeKeyMaterial(bytes, path);
  return device === undefined ? keys : checkKeysBelong(keys, device, "the systemd credential");
}

/** Which units a credential is for. */
export type CredentialScope = "user" | "system";

/** The systemd version `systemd-creds --version` reports, if it runs (`signal`: Ctrl-C). */
export async function systemdVersion(
  runner: KeyRunner,
  env: (name: string) => string | undefined,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const r = await runner.run("systemd-creds", ["--version"], {
    env: toolEnv(env, []),
    timeoutMs: 5000,
    signal,
  });
  const v = r.code === 0 ? /^systemd (\d+)/m.exec(r.stdout)?.[1] : undefined;
  return v === undefined ? undefined : Number(v);
}

/**
 * Why encrypted credentials cannot be used for `scope` units here, or
 * undefined when they can. User units need systemd 256 (`systemd-creds
 * --user`); system units need root (the host key is root's).
 */
export function credentialProblem(
  scope: CredentialScope,
  version: number | undefined,
  uid: number | null,
): string | undefined {
  if (version === undefined) return "systemd-creds is not installed";
  if (version < 250) return `systemd ${version} has no encrypted credentials (250 or later)`;
  if (scope === "user" && version < 256) {
    return `systemd ${version} cannot decrypt credentials for user units (256 or later)`;
  }
  if (scope === "system" && uid !== 0) return "system units need root";
  return undefined;
}

/**
 * Encrypt `keys` to `out` (0600, atomic) for `scope` units. The key material
 * goes to systemd-creds on stdin; the ciphertext comes back on stdout.
 * Ctrl-C (`signal`) ends it with `sync_interrupted`, `out` untouched.
 */
export async function encryptKeysCredential(
  keys: DeviceKeys,
  out: string,
  scope: CredentialScope,
  runner: KeyRunner,
  env: (name: string) => string | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const args = [
    "encrypt",
    `--name=${CREDENTIAL_NAME}`,
    ...(scope === "user" ? ["--user"] : []),
    "-",
    "-",
  ];
  const r = await runner.run("systemd-creds", args, {
    stdin: encodeKeyMaterial(keys),
    // SYSTEMD_CREDENTIAL_SECRET: another host key path (a path, not a secret).
    env: toolEnv(env, ["SYSTEMD_CREDENTIAL_SECRET"]),
    timeoutMs: 30_000,
    signal,
  });
  if (r.code !== 0 || r.stdout.trim() === "") {
    const why = r.missing
      ? "systemd-creds is not installed"
      : r.timedOut
      ? "systemd-creds did not finish in time"
      : firstLine(
        r.stderr.split("\n").filter((l) => !/not located on encrypted/.test(l)).join("\n"),
      ) ||
        `systemd-creds exited ${r.code}`;
    throw new MycelError("credential_failed", "encrypt device keys for the units", why, {
      hint: "Check `systemd-creds setup` (as root) or use a passphrase file for the units " +
        "(`mycel service install --passphrase-file FILE`).",
    });
  }
  await writeFileAtomic(out, new TextEncoder().encode(r.stdout));
}
