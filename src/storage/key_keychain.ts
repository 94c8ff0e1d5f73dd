/**
 * @module key_keychain
 * Device keys in the macOS Keychain through `/usr/bin/security`: one
 * generic password per home, service `mycel`, account `<device id>@<tag>`,
 * whose password is the key material as base64url text.
 *
 * The secret never reaches argv: `security add-generic-password … -w SECRET`
 * would show it in `ps`, so the command is written to `security -i`
 * (interactive mode), which reads command lines from stdin and splits them
 * itself (quotes `'…'` with backslash escapes, lines under 4096 bytes, at most
 * 32 words). A lookup (`find-generic-password … -w`) prints the secret on
 * stdout. `security` is called by absolute path (no PATH hijack) with only
 * PATH, HOME, USER, LOGNAME and TMPDIR in its environment.
 *
 * There is no macOS in CI: the command lines are rendered by pure functions
 * and the calls go through a {@link KeyRunner}, so tests check exactly what
 * `security` would be given.
 */

import { hasControlChar } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { keyMaterialText, keysFromText } from "./key_codec.ts";
import { firstLine, type KeyRunner, toolEnv } from "./key_runner.ts";
import type { KeyStub } from "./key_store.ts";

/** The tool, by absolute path. */
export const SECURITY = "/usr/bin/security";
/** Keychain service name of every mycel item. */
export const KEYCHAIN_SERVICE = "mycel";
/** Longest line `security -i` reads. */
const MAX_LINE = 4096;
const ENV = ["USER", "LOGNAME", "TMPDIR"];

/** How to reach the Keychain. */
export interface KeychainOptions {
  /** Runs `security`. */
  runner: KeyRunner;
  /** Environment of this process. */
  env: (name: string) => string | undefined;
  /** Deadline per call (ms); default 20 s. */
  timeoutMs?: number;
  /** Ctrl-C: ends a call under way (it throws `sync_interrupted`; key_runner.ts). */
  signal?: AbortSignal;
}

/** The item's account name. */
export function keychainAccount(stub: Pick<KeyStub, "device" | "tag">): string {
  return `${stub.device}@${stub.tag}`;
}

/** Quote one word for `security -i`'s line splitter. */
export function quoteSecurityWord(word: string): string {
  if (hasControlChar(word)) {
    throw new MycelError("bad_input", "write keychain command", "a word has a control character");
  }
  return `'${word.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * The stdin line for `security -i` that stores (or updates, `-U`) the item.
 * It holds the secret: write it to the child's stdin only.
 */
export function renderKeychainStore(stub: KeyStub, keys: DeviceKeys, label: string): string {
  const words = [
    "add-generic-password",
    "-U",
    "-a",
    keychainAccount(stub),
    "-s",
    KEYCHAIN_SERVICE,
    "-l",
    label,
    "-w",
    keyMaterialText(keys),
  ];
  const line = words.map((w, i) => (i === 0 ? w : quoteSecurityWord(w))).join(" ") + "\n";
  if (new TextEncoder().encode(line).length >= MAX_LINE) {
    throw new MycelError("bad_input", "write keychain command", "the line is too long");
  }
  return line;
}

/** argv of the lookup (no secret in it); the password comes back on stdout. */
export function renderKeychainLookup(stub: KeyStub): string[] {
  return ["find-generic-password", "-a", keychainAccount(stub), "-s", KEYCHAIN_SERVICE, "-w"];
}

/** argv that deletes the item. */
export function renderKeychainDelete(stub: KeyStub): string[] {
  return ["delete-generic-password", "-a", keychainAccount(stub), "-s", KEYCHAIN_SERVICE];
}

const HINT = "Unlock the login keychain (`security unlock-keychain`) or run mycel in your " +
  "macOS session; or move the keys: `mycel keys export FILE`, then " +
  "`mycel keys import FILE --keys file`.";

function unavailable(action: string, problem: string): MycelError {
  return new MycelError("keyring_unavailable", action, `the Keychain is not usable: ${problem}`, {
    hint: HINT,
  });
}

/** Why the Keychain cannot be used right now, or undefined when it answers. */
export async function keychainProblem(
  o: KeychainOptions,
  timeoutMs = 3000,
): Promise<string | undefined> {
  const r = await o.runner.run(SECURITY, ["default-keychain", "-d", "user"], {
    env: toolEnv(o.env, ENV),
    timeoutMs,
    signal: o.signal,
  });
  if (r.missing) return `${SECURITY} is missing`;
  if (r.timedOut) return `security did not answer within ${timeoutMs / 1000} s`;
  if (r.code !== 0) return firstLine(r.stderr) || `security exited ${r.code}`;
  return undefined;
}

/** Store `keys` as `stub`'s item (replacing an older one), then read it back. */
export async function storeInKeychain(
  stub: KeyStub,
  keys: DeviceKeys,
  label: string,
  o: KeychainOptions,
): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 20_000;
  const r = await o.runner.run(SECURITY, ["-i"], {
    stdin: renderKeychainStore(stub, keys, label),
    env: toolEnv(o.env, ENV),
    timeoutMs,
    signal: o.signal,
  });
  if (r.missing) throw unavailable("store device keys", `${SECURITY} is missing`);
  if (r.timedOut) throw unavailable("store device keys", "security did not answer in time");
  // `security -i` reports a failed command on stderr ("…: returned N").
  if (r.code !== 0 || /returned -?\d+/.test(r.stderr)) {
    throw unavailable("store device keys", firstLine(r.stderr) || `security exited ${r.code}`);
  }
  await lookupInKeychain(stub, o);
}

/** The keys of `stub`'s item. */
export async function lookupInKeychain(stub: KeyStub, o: KeychainOptions): Promise<DeviceKeys> {
  const action = "read device keys";
  const r = await o.runner.run(SECURITY, renderKeychainLookup(stub), {
    env: toolEnv(o.env, ENV),
    timeoutMs: o.timeoutMs ?? 20_000,
    signal: o.signal,
  });
  if (r.missing) throw unavailable(action, `${SECURITY} is missing`);
  if (r.timedOut) throw unavailable(action, "security did not answer in time");
  if (r.code === 44) {
    throw new MycelError("keys_not_found", action, "the Keychain holds no keys for this home", {
      value: `device ${stub.device.slice(0, 7)}, home ${stub.tag}`,
      hint: "Bring the keys back with `mycel keys import FILE` (made by `mycel keys export`).",
    });
  }
  if (r.code !== 0) throw unavailable(action, firstLine(r.stderr) || `security exited ${r.code}`);
  return keysFromText(r.stdout, "the Keychain item");
}

/** Delete `stub`'s item. Best effort. */
export async function clearFromKeychain(stub: KeyStub, o: KeychainOptions): Promise<boolean> {
  const r = await o.runner.run(SECURITY, renderKeychainDelete(stub), {
    env: toolEnv(o.env, ENV),
    timeoutMs: o.timeoutMs ?? 20_000,
    signal: o.signal,
  });
  return r.code === 0;
}
