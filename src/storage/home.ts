/**
 * @module home
 * Where a device keeps its state: `--home DIR`, else `$MYCEL_HOME`, else
 * (under sudo) the invoking user's home, else `$XDG_DATA_HOME/mycel`, else
 * `~/.local/share/mycel`. Folders are 0700 and
 * files 0600: the home holds private keys.
 */

import { type HomeSystem, locateHome } from "./home_sudo.ts";

/** Paths inside a home. */
export interface HomePaths {
  /** The home folder itself. */
  readonly root: string;
  /** `home.json`: which device and mesh this home is. */
  readonly info: string;
  /** Private keys (0600). */
  readonly keys: string;
  /** State snapshot. */
  readonly snapshot: string;
  /** Per-author log segments. */
  readonly logDir: string;
  /** Entries that conflict with an author's chain (forks), kept not applied. */
  readonly forkDir: string;
  /** The writers' lock file. */
  readonly lock: string;
}

/**
 * Resolve the home folder from a flag and the environment; under `sudo` as
 * root, the invoking user's home (see home_sudo.ts for the order).
 */
export function resolveHome(
  flag: string | undefined,
  env: (name: string) => string | undefined,
  sys?: HomeSystem,
): string {
  return locateHome(flag, env, sys).root;
}

/** The paths inside home folder `root`. */
export function homePaths(root: string): HomePaths {
  return {
    root,
    info: `${root}/home.json`,
    keys: `${root}/keys.cbor`,
    snapshot: `${root}/state.cbor`,
    logDir: `${root}/log`,
    forkDir: `${root}/forks`,
    lock: `${root}/lock`,
  };
}

/** Create the home's folders (0700) if missing and tighten their mode. */
export async function ensureHomeDirs(p: HomePaths): Promise<void> {
  for (const dir of [p.root, p.logDir, p.forkDir]) {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.chmod(dir, 0o700);
  }
}
