/**
 * @module restore_unkept
 * `folder restore DIR`: the files deleted under DIR (the folder's state,
 * src/sync/deleted_under.ts) that this device keeps no version of and
 * are not on disk, named as not restored with why — mostly the device's
 * own deletions, of which it keeps no copy, while each device that applied
 * the deletion kept one. Before, they were passed over: on the device that
 * deleted a folder, `folder restore` of it said "it has no kept versions",
 * as if there were nothing anywhere to get back (issue 13).
 */

import { localTime } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";
import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";

/** A file deleted under DIR that can't be put back from this device, and why. */
export interface Unkept {
  readonly path: string;
  readonly reason: string;
  /** Deleted by this device (a device that applied the deletion keeps a copy). */
  readonly own: boolean;
}

/**
 * Files deleted under `rel` in folder `folder` within its retention, not
 * among `listed` (those with versions here), for which `gone` holds.
 */
export async function unkeptUnder(
  ctx: CommandContext,
  folder: string,
  rel: string,
  listed: ReadonlyMap<string, number>,
  gone: (path: string) => Promise<boolean>,
): Promise<Unkept[]> {
  const { deletedUnder } = await lazyImport<typeof import("../sync/deleted_under.ts")>(
    new URL("../sync/deleted_under.ts", import.meta.url),
  );
  const deleted = await withRead(
    ctx,
    (home) => deletedUnder(home, folder, rel).filter((f) => !listed.has(f.path)),
  );
  const out: Unkept[] = [];
  for (const f of deleted) {
    if (!(await gone(f.path))) continue;
    const own = f.own;
    out.push({
      path: f.path,
      own,
      reason: own
        ? `deleted on this device ${localTime(f.at)}, which keeps no copy of its own deletions`
        : `deleted by ${f.by} ${localTime(f.at)}; no version of it is kept on this device`,
    });
  }
  return out;
}

/** What to do about files {@link unkeptUnder} named (undefined when none). */
export function unkeptHint(unkept: readonly Unkept[], where: string): string | undefined {
  if (unkept.length === 0) return undefined;
  return "A device that applied a deletion keeps a copy of what it removed: " +
    `\`mycel folder restore\` of ${where} on one of them puts ${
      unkept.length === 1 ? "it" : "those"
    } back, here too.`;
}
