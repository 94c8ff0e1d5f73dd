/**
 * @module repair
 * `mycel repair`: after damage, keep everything intact and rebuild the rest.
 *
 * Damage is found by SQLite's integrity check and by checking every stored
 * entry (its hash, its chain, its signature). Repair salvages, row range by
 * row range so one damaged page costs only the rows on it, every entry it
 * can still read — from the chains and from what was kept aside — plus who
 * the device is, its clock and its bookkeeping; builds a fresh database from
 * them, where every entry passes the same checks as entries from a peer; and
 * renames the damaged database aside (`mycel.db.damaged-<time>`, never
 * deleted). Entries of a chain after a gap wait aside until sync brings back
 * what is missing, then fold. When this device's own log has a gap and other
 * devices exist, new local writes wait until a sync has brought the missing
 * entries back, so the device never signs a second, different entry for a
 * seq a peer may hold (`--accept-loss` lifts that).
 *
 * This file decides whether to repair and says what it did; finding damage
 * in the entries is repair_check.ts, reading back is repair_salvage.ts (and
 * repair_folders.ts), building the new database is repair_rebuild.ts.
 */

import { MycelError } from "../errors.ts";
import { currentCaller, guardHome, handBack } from "./home_guard.ts";
import { type Db, guard, openReadOnly } from "./db.ts";
import { exists } from "./fs_probe.ts";
import { homePaths, notInitialized } from "./home.ts";
import { entryProblems } from "./repair_check.ts";
import { rebuild } from "./repair_rebuild.ts";
import { salvageAll } from "./repair_salvage.ts";

/** What repair found and did. */
export interface RepairReport {
  /** Problems found (empty: the home was intact). */
  damage: string[];
  /** Entries kept in chains, and kept aside (waiting for what a gap lost). */
  kept: number;
  waiting: number;
  /** Entries that could not be read back or failed their checks. */
  lost: number;
  /** Where the damaged database was kept, if it was replaced. */
  setAside?: string;
  /** This device's own log lost entries: writes wait until sync brought it back to this seq. */
  recoverOwnTo?: number;
}

/** Repair the home at `root`. */
export async function repairHome(
  root: string,
  now: () => number,
  options: { acceptLoss?: boolean; env?: (name: string) => string | undefined } = {},
): Promise<RepairReport> {
  const paths = homePaths(root);
  // Another user's home is refused as by every command (root repairing it
  // left a root-owned mycel.db its owner could not open); under sudo the
  // files go back to the invoking user.
  const owner = await guardHome(
    paths,
    currentCaller(options.env ?? ((n: string) => Deno.env.get(n))),
  );
  if (!(await exists(paths.db))) {
    // Nothing to repair: a home never set up, or one still in the old format.
    if (!(await exists(paths.legacy.info))) throw notInitialized(root, "repair mycel home");
    throw new MycelError(
      "not_initialized",
      "repair mycel home",
      "it is still in the format before the database",
      {
        value: root,
        hint: "Run `mycel status` once: it converts the home, then repair can check it.",
      },
    );
  }
  const damage: string[] = [];
  let old: Db | undefined;
  try {
    old = openReadOnly(paths.db);
    damage.push(
      ...guard(
        paths.db,
        "check the mycel home",
        () =>
          (old!.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[])
            .map((r) => r.integrity_check).filter((r) => r !== "ok"),
      ),
    );
    if (damage.length === 0) damage.push(...await entryProblems(old));
  } catch (e) {
    damage.push((e as Error).message);
  }
  if (damage.length === 0) {
    old?.close();
    return { damage, kept: 0, waiting: 0, lost: 0 };
  }
  const salvaged = old ? salvageAll(old) : undefined;
  old?.close();
  if (salvaged?.device?.length !== 32) {
    throw new MycelError(
      "unrepairable",
      "repair mycel home",
      "who this device is cannot be read back",
      {
        value: paths.db,
        hint:
          "Restore the home from a backup, or set this machine up again (`mycel init` in a new home) and pair it.",
      },
    );
  }
  const report = await rebuild(paths, salvaged, now, options.acceptLoss === true);
  await handBack(paths, owner);
  return { ...report, damage };
}
