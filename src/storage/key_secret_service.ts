/**
 * @module key_secret_service
 * Device keys in the freedesktop Secret Service (gnome-keyring, KWallet,
 * KeePassXC…) through libsecret's `secret-tool` (Debian: libsecret-tools).
 * One item per home, found by the attributes `application mycel`,
 * `device <id>`, `home <tag>`; its secret is the key material as base64url
 * text, written on secret-tool's stdin (never argv) and read from its stdout.
 *
 * `secret-tool` needs the session bus: without DBUS_SESSION_BUS_ADDRESS we do
 * not even try. Every call has a deadline (a locked keyring may wait for a GUI
 * prompt nobody answers) and runs with only PATH, HOME, the bus address and
 * XDG_RUNTIME_DIR in its environment. Failures are named: `keyring_unavailable`
 * (no bus, no tool, no answer) and `keys_not_found` (the item is gone).
 */

import { MycelError } from "../errors.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { keyMaterialText, keysFromText } from "./key_codec.ts";
import { firstLine, type KeyRunner, type KeyToolResult, toolEnv } from "./key_runner.ts";
import type { KeyStub } from "./key_store.ts";

/** How to reach the Secret Service. */
export interface SecretServiceOptions {
  /** Runs secret-tool and dbus-send. */
  runner: KeyRunner;
  /** Environment of this process (only bus-related variables are passed on). */
  env: (name: string) => string | undefined;
  /** Deadline of a lookup or store (ms); default 20 s. */
  timeoutMs?: number;
  /** Ctrl-C: ends a call under way (it throws `sync_interrupted`; key_runner.ts). */
  signal?: AbortSignal;
}

const TOOL = "secret-tool";
const BUS_VARS = ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"];
/** Deadline of the availability probe at init (ms). */
export const PROBE_TIMEOUT_MS = 3000;

/** The lookup attributes of a home's item, as secret-tool arguments. */
export function secretAttributes(stub: Pick<KeyStub, "device" | "tag">): string[] {
  return ["application", "mycel", "device", stub.device, "home", stub.tag];
}

function run(
  o: SecretServiceOptions,
  args: string[],
  timeoutMs: number,
  stdin?: string,
): Promise<KeyToolResult> {
  const env = toolEnv(o.env, BUS_VARS);
  return o.runner.run(TOOL, args, { stdin, env, timeoutMs, signal: o.signal });
}

/** Why the Secret Service cannot be used right now, or undefined when it answers. */
export async function secretServiceProblem(
  o: SecretServiceOptions,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<string | undefined> {
  if (!o.env("DBUS_SESSION_BUS_ADDRESS")) {
    return "no D-Bus session; DBUS_SESSION_BUS_ADDRESS is not set";
  }
  // A lookup of an attribute no item has: "not found" (exit 1, silent) proves
  // the service answered without touching any secret.
  const r = await run(o, ["lookup", "application", "mycel", "probe", "none"], timeoutMs);
  return problemOf(r, timeoutMs) ?? (r.code === 0 || r.code === 1 ? undefined : `exit ${r.code}`);
}

/** The problem a failed run shows (tool missing, timeout, an error line), if any. */
function problemOf(r: KeyToolResult, timeoutMs: number): string | undefined {
  if (r.missing) return "secret-tool is not installed (Debian: libsecret-tools)";
  if (r.timedOut) return `the Secret Service did not answer within ${timeoutMs / 1000} s`;
  if (r.code !== 0 && r.stderr.trim() !== "") return firstLine(r.stderr);
  return undefined;
}

/** The hint for an unreachable Secret Service. */
export const UNREACHABLE_HINT =
  "The keys are in your login keyring: run mycel in your desktop session with the keyring " +
  "unlocked (`mycel service install` sets up what the timer needs), or move them: " +
  "`mycel keys export FILE` where they are reachable, then `mycel keys import FILE --keys file`.";

function unavailable(action: string, problem: string): MycelError {
  return new MycelError(
    "keyring_unavailable",
    action,
    `the Secret Service is not reachable: ${problem}`,
    { hint: UNREACHABLE_HINT },
  );
}

/** Store `keys` as the item for `stub`, replacing any older one, then read it back. */
export async function storeInSecretService(
  stub: KeyStub,
  keys: DeviceKeys,
  label: string,
  o: SecretServiceOptions,
): Promise<void> {
  const action = "store device keys";
  if (!o.env("DBUS_SESSION_BUS_ADDRESS")) {
    throw unavailable(action, "no D-Bus session; DBUS_SESSION_BUS_ADDRESS is not set");
  }
  const timeoutMs = o.timeoutMs ?? 20_000;
  const r = await run(
    o,
    ["store", `--label=${label}`, ...secretAttributes(stub)],
    timeoutMs,
    keyMaterialText(keys),
  );
  const problem = problemOf(r, timeoutMs) ?? (r.code === 0 ? undefined : `exit ${r.code}`);
  if (problem !== undefined) throw unavailable(action, problem);
  // Some keyrings accept a store and keep nothing (a locked collection, a
  // cancelled prompt): only keys that read back are kept.
  await lookupInSecretService(stub, o);
}

/** The keys of `stub`'s item. */
export async function lookupInSecretService(
  stub: KeyStub,
  o: SecretServiceOptions,
): Promise<DeviceKeys> {
  const action = "read device keys";
  if (!o.env("DBUS_SESSION_BUS_ADDRESS")) {
    throw unavailable(action, "no D-Bus session; DBUS_SESSION_BUS_ADDRESS is not set");
  }
  const timeoutMs = o.timeoutMs ?? 20_000;
  const r = await run(o, ["lookup", ...secretAttributes(stub)], timeoutMs);
  const problem = problemOf(r, timeoutMs);
  if (problem !== undefined) throw unavailable(action, problem);
  if (r.code !== 0 || r.stdout.trim() === "") {
    // secret-tool says nothing either way: an item still listed (without its
    // secret) means the keyring is locked, not that the keys are gone —
    // "deleted" would send the user to re-import or re-pair.
    const listed = await run(o, ["search", "--all", ...secretAttributes(stub)], timeoutMs);
    if (problemOf(listed, timeoutMs) === undefined && /^\[/m.test(listed.stdout)) {
      throw new MycelError(
        "keyring_locked",
        action,
        "the keyring holding this device's keys is locked",
        {
          value: `device ${stub.device.slice(0, 7)}, home ${stub.tag}`,
          hint: "Unlock it (log in to the desktop session, or unlock the login keyring in your " +
            "keyring manager), then run the command again. Nothing was changed.",
        },
      );
    }
    throw new MycelError(
      "keys_not_found",
      action,
      "the Secret Service holds no keys for this home",
      {
        value: `device ${stub.device.slice(0, 7)}, home ${stub.tag}`,
        hint: "The item was deleted, or this home was copied from another machine: bring the " +
          "keys back with `mycel keys import FILE` (made by `mycel keys export` where they are).",
      },
    );
  }
  return keysFromText(r.stdout, "the Secret Service item");
}

/** Delete `stub`'s item (after the keys moved elsewhere). Best effort. */
export async function clearFromSecretService(
  stub: KeyStub,
  o: SecretServiceOptions,
): Promise<boolean> {
  if (!o.env("DBUS_SESSION_BUS_ADDRESS")) return false;
  const r = await run(o, ["clear", ...secretAttributes(stub)], o.timeoutMs ?? 20_000);
  return r.code === 0;
}

const PROVIDERS: [RegExp, string][] = [
  [/^gnome-keyring/, "gnome-keyring"],
  [/^kwalletd/, "KWallet"],
  [/^ksecretd/, "KWallet"],
  [/^keepassxc/i, "KeePassXC"],
];

/**
 * Which program owns the Secret Service name (e.g. "gnome-keyring"), asked
 * of the bus itself; undefined when it cannot be told.
 */
export async function secretServiceProvider(o: SecretServiceOptions): Promise<string | undefined> {
  if (!o.env("DBUS_SESSION_BUS_ADDRESS")) return undefined;
  const r = await o.runner.run("dbus-send", [
    "--session",
    "--print-reply",
    "--dest=org.freedesktop.DBus",
    "/org/freedesktop/DBus",
    "org.freedesktop.DBus.GetConnectionUnixProcessID",
    "string:org.freedesktop.secrets",
  ], { env: toolEnv(o.env, BUS_VARS), timeoutMs: 2000, signal: o.signal });
  const pid = r.code === 0 ? /uint32 (\d+)/.exec(r.stdout)?.[1] : undefined;
  if (pid === undefined) return undefined;
  try {
    const comm = (await Deno.readTextFile(`/proc/${pid}/comm`)).trim();
    for (const [re, name] of PROVIDERS) if (re.test(comm)) return name;
    return /^[\w.+-]{1,32}$/.test(comm) ? comm : undefined;
  } catch {
    return undefined;
  }
}
