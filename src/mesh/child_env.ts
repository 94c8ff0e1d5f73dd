/**
 * @module child_env
 * The environment and arguments mycel hands to the tools it runs (`ip`, `wg`,
 * `wireguard-go`, `ifconfig`, `route`, …). Children get an allowlist only —
 * PATH, LANG, LC_* and what a given call adds (e.g. `WG_TUN_NAME_FILE`) —
 * so MYCEL_PASSPHRASE and every other MYCEL_* variable, tokens and the like
 * never reach them. Arguments and added values with control characters are
 * refused before anything runs: a newline in an interface name or path must
 * never turn into a second line of a config, unit or cron entry. Pure.
 */

import { MycelError } from "../errors.ts";
import { searchPath } from "../search_path.ts";
import { quotedText } from "../text_safety.ts";

/** Variables passed through from mycel's own environment to every tool. */
const KEEP = /^(?:PATH|LANG|LC_[A-Z_]+|TZ)$/;

/** What a few tools other than the mesh's own need to find the user's session. */
const NEEDS: Record<string, readonly string[]> = {
  systemctl: ["HOME", "USER", "LOGNAME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"],
  crontab: ["HOME", "USER", "LOGNAME", "TMPDIR"],
};

/** Variables a call may add (what the WireGuard tools read). */
const MAY_ADD = /^(?:WG_[A-Z_]+|LOG_LEVEL)$/;

/** True when `text` holds a C0 or C1 control character or DEL. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** A `control_char` error naming what held it; the value is shown escaped. */
export function controlCharError(action: string, what: string, value: string): MycelError {
  const shown = quotedText(value.length > 60 ? value.slice(0, 60) + "…" : value);
  return new MycelError("control_char", action, `${what} contains a control character`, {
    value: shown,
    exit: 2,
  });
}

/** Throw a `control_char` error when `value` holds one. Returns `value`. */
export function refuseControl(action: string, what: string, value: string): string {
  if (hasControl(value)) throw controlCharError(action, what, value);
  return value;
}

/** Check a command and its arguments before they are run. */
export function checkCommand(cmd: string, args: readonly string[]): void {
  refuseControl(`run ${cmd.replace(/[^\x20-\x7e]/g, "?")}`, "the command", cmd);
  for (const a of args) refuseControl(`run ${cmd}`, "an argument", a);
}

/**
 * The environment of child `cmd`: the allowlisted part of `parent` (plus
 * the few session variables `systemctl` and `crontab` need) and `extra`
 * (only WG_* and LOG_LEVEL may be added, without control characters).
 */
export function childEnvironment(
  parent: Record<string, string>,
  cmd: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const needs = NEEDS[cmd.slice(cmd.lastIndexOf("/") + 1)] ?? [];
  for (const [k, v] of Object.entries(parent)) {
    if ((KEEP.test(k) || needs.includes(k)) && !hasControl(v)) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (!MAY_ADD.test(k)) {
      throw new MycelError("bad_input", "start a tool", "that variable may not be passed", {
        value: k.replace(/[^\x20-\x7e]/g, "?").slice(0, 40),
      });
    }
    env[k] = refuseControl("start a tool", `variable ${k}`, v);
  }
  // Absolute folders only: an empty or relative entry looks in the current folder.
  env.PATH = searchPath(env.PATH);
  return env;
}
