/**
 * @module as_nobody
 * Running mycel processes as `nobody` (no rights over root's files),
 * through `setpriv`, for what only an unprivileged user meets: the test
 * process, as root, puts the obstacles in place. Needs root and a checkout
 * `nobody` can read; {@link NOBODY_UNAVAILABLE} says why not, if it can't.
 */

import assert from "node:assert/strict";
import { MAIN_TS, type MycelOptions } from "../helpers/mycel.ts";

/** Why the devices can't run as another user here, if they can't. */
function unavailable(): string | undefined {
  if (Deno.uid() !== 0) return "needs root to run devices as another user";
  try {
    const probe = new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        "test",
        "-r",
        MAIN_TS,
        "-a",
        "-x",
        Deno.execPath(),
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    if (!probe.success) {
      return `user nobody can't read ${MAIN_TS} or run ${Deno.execPath()} (a private folder on the way)`;
    }
  } catch {
    return "setpriv (util-linux) is missing";
  }
  return undefined;
}

/** Why mycel can't run as `nobody` here, or undefined when it can. */
export const NOBODY_UNAVAILABLE: string | undefined = unavailable();

/** `nobody`: no rights over root's files. */
export const USER: MycelOptions = { user: { uid: 65534, gid: 65534 } };

/** Give `path` and everything under it to `USER`. */
export async function chownTree(path: string): Promise<void> {
  const out = await new Deno.Command("chown", { args: ["-R", "65534:65534", path] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}
