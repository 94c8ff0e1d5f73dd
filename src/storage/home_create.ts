/**
 * @module home_create
 * Creating a home — the one place that does it, for `init`, the first write
 * and pairing. The database's own write lock makes creation exclusive: the
 * schema, who we are, the keys and the first entry are written inside one
 * transaction, so concurrent first commands create exactly one identity (the
 * others find it made), and a crash leaves either no home or a whole one.
 */

import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import { deviceIdOf, type DeviceKeys } from "../log/identity.ts";
import type { Op } from "../log/ops.ts";
import { type Db, guard, inTransaction, openWritable } from "./db.ts";
import {
  ensureHomeDir,
  homePaths,
  initPendingPath,
  keysLeftAlone,
  keysWithoutDatabase,
} from "./home.ts";
import {
  currentCaller,
  giveMadeFolders,
  guardHome,
  handBack,
  missingFolders,
} from "./home_guard.ts";
import { SqlFolderLocal } from "./sql_folder_local.ts";
import { HomeWriter, readySigning } from "./home_writer.ts";
import {
  forgetStoredKeys,
  type KeyOptions,
  type KeyStoreChoice,
  saveDeviceKeys,
  type SavedKeys,
} from "./key_home.ts";
import { createSchema, schemaVersion } from "./schema.ts";
import { FOLD_RULES, SqlLocal, WITNESS_META } from "./sql_local.ts";
import { SqlLog } from "./sql_log.ts";
import { SqlState } from "./sql_state.ts";
import { HlcClock } from "../crdt/hlc.ts";
import { exists } from "./fs_probe.ts";

/** What a new home starts with. */
export interface NewHome {
  /** The device's keys (written to the key store). */
  keys: DeviceKeys;
  /** The mesh it belongs to. */
  mesh: string;
  /** Ops of its first entry (normally the device announcing itself). */
  genesis: (device: DeviceKey) => Op[] | Promise<Op[]>;
  /** More work inside the same transaction (pairing: take the inviter's checkpoint). */
  then?: (w: HomeWriter) => Promise<void>;
  /** Wall clock. */
  now: () => number;
  /** Environment (MYCEL_PASSPHRASE, SUDO_UID). */
  env: (name: string) => string | undefined;
  /** Where to keep the keys (default: auto — the OS keyring when one answers). */
  keyStore?: KeyStoreChoice;
  /** Passphrase prompt for a file store (`null`: never ask, e.g. mid-pairing). */
  prompt?: KeyOptions["prompt"];
  /** Ctrl-C: ends a keyring tool storing the keys (`sync_interrupted`; nothing is made). */
  signal?: AbortSignal;
}

/** The home made. */
export interface CreatedHome {
  /** This device. */
  device: DeviceKey;
  /** Where its keys went (and, with `auto`, why not to a keyring). */
  keys: SavedKeys;
}

function alreadyInitialized(root: string): MycelError {
  return new MycelError("already_initialized", "initialise mycel home", "it is already set up", {
    value: root,
    hint: "Use `mycel status` to see it, or --home DIR for another home.",
  });
}

/** Create the home at `root`; `already_initialized` when one exists. */
export async function createHome(root: string, n: NewHome): Promise<CreatedHome> {
  const paths = homePaths(root);
  const caller = currentCaller(n.env);
  const made = await missingFolders(root);
  await ensureHomeDir(paths);
  await giveMadeFolders(made, caller);
  const owner = await guardHome(paths, caller);
  if (await exists(paths.legacy.info)) throw alreadyInitialized(root);
  // Keys with no database: never overwritten (see keysWithoutDatabase);
  // checked before a database file is made, and again under its lock.
  const pending = initPendingPath(root);
  if (!(await exists(paths.db)) && await keysLeftAlone(root)) {
    throw keysWithoutDatabase(root, "initialise mycel home");
  }
  // Before the transaction, as every write's (home_writes.ts).
  const signer = await readySigning(n.keys);
  const fresh = !(await exists(paths.db));
  const db = await openWritable(paths.db);
  let ours = false, done = false;
  const device = DeviceKey.of(n.keys.signPublic);
  try {
    let kept: SavedKeys | undefined;
    await inTransaction(db, paths.db, async () => {
      if (schemaVersion(db) !== 0) throw alreadyInitialized(root);
      if (await keysLeftAlone(root)) throw keysWithoutDatabase(root, "initialise mycel home");
      ours = true;
      createSchema(db);
      const local = new SqlLocal(db);
      local.setMeta("device", device.bytes);
      local.setMeta("mesh", n.mesh);
      local.setMeta("created", n.now());
      local.setMeta(WITNESS_META, FOLD_RULES); // folded with this release's rules from the start
      const state = new SqlState(db);
      const w = new HomeWriter({
        db,
        paths,
        device,
        state,
        log: new SqlLog(db, n.now),
        local,
        folderLocal: new SqlFolderLocal(db),
        clock: new HlcClock(device.hex),
        now: n.now,
        signer: () => signer,
      });
      await w.commit(await n.genesis(device));
      // Pairing takes the mesh's state here, and may refuse it part way
      // (a state in parts): before the keys are written, so that a refusal
      // leaves no keys (in a file or a keyring) of a device that never was.
      await n.then?.(w);
      // Under the database's lock: a racing creator waits, then finds the schema.
      await Deno.writeFile(pending, new Uint8Array(), { mode: 0o600 });
      kept = await saveDeviceKeys(paths, n.keys, n.env, {
        store: n.keyStore,
        prompt: n.prompt,
        signal: n.signal,
      });
      if (kept.store === "file" && !kept.sealed) {
        // Plain keys only: see Home.noiseKeys.
        local.setMeta("noise_public", n.keys.noisePublic);
        local.setMeta("noise_private", n.keys.noisePrivate);
      }
      await w.finish();
    });
    done = true;
    await Deno.remove(pending).catch(() => {}); // committed: these keys are the device's
    await handBack(paths, owner);
    return { device, keys: kept! };
  } finally {
    if (!done && fresh && ours) {
      await unmake(
        db,
        paths,
        pending,
        made,
        () => forgetStoredKeys(paths, deviceIdOf(n.keys), n.env),
      );
    }
    guard(paths.db, "close mycel home", () => db.close());
  }
}

/**
 * After a set-up this call began failed (a pairing refused the mesh's state
 * part way, a full disk, Ctrl-C): take away what it made — the database
 * file, the pending marker and keys it wrote (a keyring item too), the folders it created — so no
 * half-made home stays. Only while holding the database's write lock with
 * no schema in it: a creator that got the lock meanwhile keeps its home.
 * Best effort: the set-up's own error is what the caller hears.
 */
async function unmake(
  db: Db,
  paths: ReturnType<typeof homePaths>,
  pending: string,
  made: string[],
  forgetKeys: () => Promise<void>,
): Promise<void> {
  try {
    db.exec("PRAGMA busy_timeout=0");
    db.exec("BEGIN IMMEDIATE");
  } catch {
    return;
  }
  try {
    if (schemaVersion(db) !== 0) return;
    if (await exists(pending)) {
      // The keys were being kept: in a keyring too, maybe (the file only names it).
      await forgetKeys();
      await Deno.remove(paths.keys).catch(() => {});
      await Deno.remove(pending).catch(() => {});
    }
    for (const suffix of ["", "-wal", "-shm", "-journal"]) {
      await Deno.remove(`${paths.db}${suffix}`).catch(() => {});
    }
  } finally {
    try {
      db.exec("ROLLBACK");
    } catch { /* nothing to roll back */ }
  }
  for (const dir of [...made].reverse()) {
    if (!(await Deno.remove(dir).then(() => true, () => false))) break; // not empty: kept
  }
}
