/**
 * @module place_entry
 * The last step of every write into a folder (assemble.ts, partial_file.ts,
 * write_symlink.ts): put the complete temporary entry `temp` at its target
 * without ever destroying a file a local program put there meanwhile.
 *
 * A rename over the target would destroy a save that landed after the last
 * check (an editor's atomic save puts a new file at the name). So:
 * 1. The target is moved into a hold folder beside it (held_file.ts): one
 *    rename, which catches whatever is at the name at that instant.
 * 2. What was caught is checked against `expected`. Not it: it goes back
 *    (never over something newer) and the result is `changed_locally`.
 * 3. The new entry is hard-linked in, which fails rather than replace: a
 *    file saved at the name in between stays, the result is
 *    `changed_locally` and the held file is kept under `.mycel/versions/`.
 * 4. The held file moves to `.mycel/versions/` (or goes, if not kept).
 * For a new path (`expected` null) only step 3 happens.
 *
 * The price: between 1 and 3 the name is briefly absent. A crash there
 * leaves the old file in the hold folder; the stale-temp sweep puts it back.
 */

import { join } from "node:path";
import {
  type ExpectedEntry,
  matchesExpected,
  type OnDisk,
  onDisk,
  type WriteResult,
} from "./disk_state.ts";
import { holdNameFor } from "./folder_layout.ts";
import { holdAside, moveNoClobber, putBack } from "./held_file.ts";
import { keepVersion } from "./keep_version.ts";
import { baseName, parentOf } from "./paths.ts";
import { assertRealDir, syncDir } from "./safe_paths.ts";
import { statKey } from "./scan_file.ts";

/** How to place. */
export interface PlaceOptions {
  /** What the caller expects to replace, or null when it expects nothing there. */
  readonly expected: ExpectedEntry;
  /** Keep the replaced entry under `.mycel/versions/` (default true). */
  readonly keepReplaced?: boolean;
  /** Clock for the kept version's stamp (default Date.now). */
  readonly now?: () => number;
  /** fsync the folder afterwards (default true). */
  readonly syncDir?: boolean;
  /** Test seam only: runs after the final check, and again once the old entry is held. */
  readonly beforeReplace?: (step: "checked" | "held") => Promise<void> | void;
}

function changed(current: OnDisk | null, keptAs?: string): WriteResult {
  return { status: "changed_locally", current, keptAs };
}

/**
 * Move the complete `temp` (absolute, in the target's folder) to the
 * folder-relative `relPath` under the real root `realRoot` (see the module
 * comment). On `changed_locally`, `temp` may remain for the caller to remove.
 * @throws MycelError `unsafe_path`
 */
export async function placeEntry(
  realRoot: string,
  relPath: string,
  temp: string,
  o: PlaceOptions,
): Promise<WriteResult> {
  const dirRel = parentOf(relPath);
  const dirAbs = join(realRoot, dirRel);
  const target = join(dirAbs, baseName(relPath));
  const stamp = () => o.now?.() ?? Date.now();
  // Metadata calls are synchronous (see disk_state.ts `onDisk`); only fsync waits.
  assertRealDir(dirAbs, dirAbs);
  const ino = statKey(Deno.lstatSync(temp)).ino;
  // A new path needs no look first: the hard link below refuses a taken name.
  const now = o.expected === null ? null : onDisk(target);
  if (!matchesExpected(now, o.expected)) return changed(now);
  await o.beforeReplace?.("checked");
  const placed = async (keptAs?: string): Promise<WriteResult> => {
    if (o.syncDir !== false) await syncDir(dirAbs);
    const stat = onDisk(target);
    // Replaced again already: that is a local edit, not the version written.
    if (stat === null || stat.ino !== ino) return changed(stat, keptAs);
    const { kind: _, ...key } = stat;
    return { status: "written", stat: key, keptAs };
  };
  if (o.expected === null) {
    return moveNoClobber(temp, target) ? await placed() : changed(onDisk(target));
  }
  const holdName = holdNameFor();
  const hold = holdAside(target, holdName);
  if (hold === undefined) return changed(onDisk(target));
  const { held, holdDir } = hold;
  // Until settled, the replaced entry exists only in the hold folder.
  let settled = false;
  try {
    if (!matchesExpected(onDisk(held), o.expected)) {
      // A local save landed after the check: it goes back, never over a newer one.
      const kept = await putBack(realRoot, dirRel, holdName, stamp());
      settled = true;
      return changed(onDisk(target), kept[0]);
    }
    await o.beforeReplace?.("held");
    if (!moveNoClobber(temp, target)) {
      // A file was saved at the free name: it stays, the old one is kept.
      const keptAs = await keepVersion(realRoot, relPath, "move", stamp(), held);
      settled = true;
      Deno.removeSync(holdDir);
      return changed(onDisk(target), keptAs);
    }
    let keptAs: string | undefined;
    if (o.keepReplaced !== false) {
      keptAs = await keepVersion(realRoot, relPath, "move", stamp(), held);
    } else Deno.removeSync(held);
    settled = true;
    Deno.removeSync(holdDir);
    return await placed(keptAs);
  } finally {
    if (!settled) await putBack(realRoot, dirRel, holdName, stamp()).catch(() => {});
  }
}
