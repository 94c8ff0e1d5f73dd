/**
 * @module home_open
 * Opening a home's database for a command (`Home.open`, `Home.exists`):
 * the home is guarded first (owner, modes: home_guard.ts), a home made before
 * the database is migrated (once, crash-safely: migrate_v1.ts), a database
 * of another format is refused, a writable open brings the tables up to
 * date, and the home must say which device it is. Whatever fails closes
 * the database; nothing is left open. The options a command opens its home
 * with are declared here too (home_handle.ts re-exports them).
 */

import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import { type Db, guard, openReadOnly, openWritable } from "./db.ts";
import { exists } from "./fs_probe.ts";
import {
  type HomePaths,
  homePaths,
  initPendingPath,
  keysLeftAlone,
  keysWithoutDatabase,
  notInitialized,
} from "./home.ts";
import { currentCaller, guardHome } from "./home_guard.ts";
import { lazyImport } from "../lazy_import.ts";
import { ensureFolderTables, SCHEMA_VERSION, schemaVersion } from "./schema.ts";
import type { LocalView } from "./sql_local.ts";

/** How a command opens its home. */
export interface HomeOptions {
  /** Open for writing (otherwise read-only: no write transactions). */
  write?: boolean;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
  /** Environment lookup (MYCEL_PASSPHRASE, SUDO_UID). */
  env?: (name: string) => string | undefined;
  /** Non-fatal warnings (e.g. a migration). */
  warn?: (message: string) => void;
  /**
   * Ctrl-C / SIGTERM (main.ts): ends reading the keys from a keyring tool
   * at once, with `sync_interrupted` (exit 130), not at the tool's deadline.
   */
  signal?: AbortSignal;
}

/**
 * True when `root` holds a home (of any format; an empty database left by a
 * crash is none). Guarded as an open is: another user's home is refused by
 * name here, not with the permission error looking into it gives.
 */
export async function homeExists(
  root: string,
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Promise<boolean> {
  const p = homePaths(root);
  await guardHome(p, currentCaller(env));
  if (await exists(p.legacy.info)) return true;
  if (!(await exists(p.db))) return false;
  const db = openReadOnly(p.db);
  try {
    return guard(p.db, "open mycel home", () => schemaVersion(db)) > 0;
  } finally {
    db.close();
  }
}

/** A home's database as {@link openHomeDb} opened it. */
export interface OpenedHome {
  readonly paths: HomePaths;
  readonly db: Db;
  readonly writable: boolean;
  /** The uid files made in the home go back to (root in a user's home), if any. */
  readonly owner: number | undefined;
}

/**
 * Open the database of the home at `root`. `not_initialized` when there is
 * none; a home made before the database is migrated first (once, crash-safely).
 */
export async function openHomeDb(root: string, options: HomeOptions): Promise<OpenedHome> {
  const paths = homePaths(root);
  const owner = await guardHome(
    paths,
    currentCaller(options.env ?? ((n: string) => Deno.env.get(n))),
  );
  if (!(await exists(paths.db))) {
    if (!(await exists(paths.legacy.info))) {
      throw await keysLeftAlone(root) ? keysWithoutDatabase(root) : notInitialized(root);
    }
    const { migrateLegacyHome } = await lazyImport<typeof import("./migrate_v1.ts")>(
      new URL("./migrate_v1.ts", import.meta.url),
    );
    await migrateLegacyHome(paths, options.now ?? Date.now, options.warn ?? console.error);
  } else if (options.write && await exists(paths.legacy.info)) {
    // A migration stopped between its rename and moving the old files.
    const { moveLegacyFiles } = await lazyImport<typeof import("./migrate_v1.ts")>(
      new URL("./migrate_v1.ts", import.meta.url),
    );
    await moveLegacyFiles(paths, (options.now ?? Date.now)());
  }
  const writable = options.write === true;
  const db = writable ? await openWritable(paths.db) : openReadOnly(paths.db);
  try {
    const version = guard(paths.db, "open mycel home", () => schemaVersion(db));
    if (version === 0) {
      throw await keysLeftAlone(root) ? keysWithoutDatabase(root) : notInitialized(root);
    }
    if (version !== SCHEMA_VERSION) {
      throw new MycelError(
        "home_version",
        "open mycel home",
        `it was written by another mycel (format ${version}, this one reads ${SCHEMA_VERSION})`,
        { value: paths.db, hint: "Run the mycel that made it, or a newer one." },
      );
    }
    if (writable) {
      guard(paths.db, "open mycel home", () => ensureFolderTables(db));
      // A set-up that died after its commit but before removing its marker:
      // the keys are this device's, and a lost database must be named as such.
      await Deno.remove(initPendingPath(root)).catch(() => {});
    }
    return { paths, db, writable, owner };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Which device the opened home is (its `device` meta): `corrupt_home` when it does not say. */
export function deviceOfHome(local: LocalView, paths: HomePaths): DeviceKey {
  const device = local.meta("device");
  if (!(device instanceof Uint8Array) || device.length !== 32) {
    throw new MycelError(
      "corrupt_home",
      "open mycel home",
      "it does not say which device it is",
      {
        value: paths.db,
        hint: "Run `mycel repair`, or restore the home from a backup.",
      },
    );
  }
  return DeviceKey.of(device);
}
