/**
 * @module home
 * Where a device keeps its state: `--home DIR`, else `$MYCEL_HOME`, else
 * (under sudo) the invoking user's home, else `$XDG_DATA_HOME/mycel`, else
 * `~/.local/share/mycel`. Folders are 0700 and
 * files 0600: the home holds private keys.
 */

import { MycelError } from "../errors.ts";
import { exists } from "./fs_probe.ts";
import { sqliteError } from "./storage_errors.ts";
import { type HomeSystem, locateHome } from "./home_sudo.ts";

/** Paths inside a home. */
export interface HomePaths {
  /** The home folder itself. */
  readonly root: string;
  /** The SQLite database: logs, state, bookkeeping. */
  readonly db: string;
  /** Private keys (0600). */
  readonly keys: string;
  /** Files of a home made before the database (migrated on first open). */
  readonly legacy: {
    readonly info: string;
    readonly snapshot: string;
    readonly logDir: string;
    readonly forkDir: string;
    readonly lock: string;
  };
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
    db: `${root}/mycel.db`,
    keys: `${root}/keys.cbor`,
    legacy: {
      info: `${root}/home.json`,
      snapshot: `${root}/state.cbor`,
      logDir: `${root}/log`,
      forkDir: `${root}/forks`,
      lock: `${root}/lock`,
    },
  };
}

/** Create the home folder (0700) if missing and tighten its mode. */
export async function ensureHomeDir(p: HomePaths): Promise<void> {
  try {
    await Deno.mkdir(p.root, { recursive: true, mode: 0o700 });
    await Deno.chmod(p.root, 0o700);
  } catch (e) {
    // A read-only or full disk, a folder not ours: named, not "internal error".
    throw sqliteError(e, "create the mycel home", p.root);
  }
}

/**
 * Marks a set-up in progress: written before the new keys, removed once the
 * database is committed. Keys found with it and no database are an `init`
 * cut short (they never belonged to a device anyone knows), not a device
 * whose database was lost, so setting up again over them is allowed.
 */
export function initPendingPath(root: string): string {
  return `${root}/init.pending`;
}

/** Keys in the home that a set-up cut short did not leave (see {@link initPendingPath}). */
export async function keysLeftAlone(root: string): Promise<boolean> {
  return await exists(homePaths(root).keys) && !(await exists(initPendingPath(root)));
}

/**
 * The error for a home holding a device's keys but no database (deleted,
 * emptied, or a backup that kept only the keys): never set up again over
 * them — a new home would replace the only copy of this device's identity.
 */
export function keysWithoutDatabase(root: string, action = "open mycel home"): MycelError {
  return new MycelError(
    "database_missing",
    action,
    "it holds this device's keys (keys.cbor) but its database mycel.db is missing or empty",
    {
      value: root,
      hint: "Put mycel.db back from a backup if you have one. To start this home over as a " +
        "new device, move keys.cbor out of it first (then pair it again); nothing was changed.",
    },
  );
}

/** The error for a home that was never set up, when `action` needs one. */
export function notInitialized(root: string, action = "open mycel home"): MycelError {
  return new MycelError("not_initialized", action, "it has not been set up", {
    value: root,
    hint: "Run `mycel init` first (or pass --home DIR to use another home).",
  });
}
