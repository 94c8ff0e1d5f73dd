/**
 * @module home_sudo
 * Which home a command uses, and why. `--home`, then `$MYCEL_HOME`; under
 * `sudo` (or `doas`) as root, the invoking user's home — their passwd entry's
 * home folder, then `$XDG_DATA_HOME/mycel` when that lies inside it (`sudo
 * -E`), else `~/.local/share/mycel` there — because `sudo mycel mesh up`
 * means "my mesh, with root's rights", never a second mesh under /root;
 * otherwise `$XDG_DATA_HOME/mycel`, then `$HOME/.local/share/mycel`.
 * The passwd reader is injected so tests need no real users.
 */

import { hasControlChar } from "../bytes.ts";
import { MycelError } from "../errors.ts";

/** How the home was found. */
export type HomeHow = "flag" | "MYCEL_HOME" | "sudo" | "XDG_DATA_HOME" | "HOME";

/** A home folder and how it was found. */
export interface HomeSource {
  /** The folder. */
  root: string;
  /** Where it came from. */
  how: HomeHow;
  /** Under sudo/doas: the invoking user whose home it is. */
  user?: string;
}

/** What resolving under sudo needs from the system. */
export interface HomeSystem {
  /** Effective user id of this process. */
  uid(): number;
  /** The text of /etc/passwd (undefined when unreadable). */
  passwd(): string | undefined;
}

/** The real system. */
export const REAL_SYSTEM: HomeSystem = {
  uid: () => Deno.uid() ?? -1,
  passwd: () => {
    try {
      return Deno.readTextFileSync("/etc/passwd");
    } catch {
      return undefined;
    }
  },
};

function noHome(reason: string, value?: string): MycelError {
  return new MycelError("no_home", "find mycel's home folder", reason, {
    value,
    hint: "Pass --home DIR or set MYCEL_HOME.",
  });
}

/** The home folder of `user` in passwd text (checked against `uid` when given). */
export function passwdHome(text: string, user: string, uid?: string): string | undefined {
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f.length < 7 || f[0] !== user) continue;
    if (uid !== undefined && uid !== "" && f[2] !== uid) return undefined;
    const home = f[5];
    return home.startsWith("/") && !hasControlChar(home)
      ? home.replace(/\/+$/, "") || "/"
      : undefined;
  }
  return undefined;
}

/** Resolve the home folder from a flag and the environment (see the module doc). */
export function locateHome(
  flag: string | undefined,
  env: (name: string) => string | undefined,
  sys: HomeSystem = REAL_SYSTEM,
): HomeSource {
  if (flag !== undefined && flag !== "") return { root: flag, how: "flag" };
  const explicit = env("MYCEL_HOME");
  if (explicit) return { root: explicit, how: "MYCEL_HOME" };
  const user = env("SUDO_USER") || env("DOAS_USER");
  if (user && user !== "root" && sys.uid() === 0) {
    const text = sys.passwd();
    const home = text === undefined
      ? undefined
      : passwdHome(text, user, env("SUDO_USER") ? env("SUDO_UID") : undefined);
    if (home === undefined) {
      throw noHome("the user who ran sudo has no home folder in /etc/passwd", user);
    }
    const xdg = env("XDG_DATA_HOME");
    const inside = xdg !== undefined && xdg.startsWith(`${home}/`) && !xdg.includes("/../");
    return { root: inside ? `${xdg}/mycel` : `${home}/.local/share/mycel`, how: "sudo", user };
  }
  const xdg = env("XDG_DATA_HOME");
  if (xdg) return { root: `${xdg}/mycel`, how: "XDG_DATA_HOME" };
  const home = env("HOME");
  if (!home) throw noHome("neither MYCEL_HOME nor HOME is set");
  return { root: `${home}/.local/share/mycel`, how: "HOME" };
}
