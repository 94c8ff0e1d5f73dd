/**
 * @module restore_scan
 * The two things `folder restore` (commands/folder_restore.ts) asks of the
 * folder beyond its own disk: a scan that publishes what it put back, and,
 * when the version it was asked for is the disk's content already, who made
 * the versions the state holds there with other content (then the restore
 * still has something to do: sync/restore_over.ts).
 */

import { interruptedError, isMycelError } from "../errors.ts";
import { lazyImport } from "../lazy_import.ts";
import { safeText } from "../text_safety.ts";
import type { CommandContext } from "./command.ts";

/**
 * Scan `folder` and publish what changed (`restored`: the paths just put
 * back, `rel` or the files under it, ScanPublishOptions.restored). Ctrl-C
 * during it is said as `doing` of `rel`; once the files are back on disk
 * (`restored`), with that they are.
 */
export async function scanFolder(
  ctx: CommandContext,
  folder: string,
  rel: string,
  doing: string,
  restored?: readonly string[],
): Promise<void> {
  const { scanFolders } = await lazyImport<typeof import("../sync/folder_round.ts")>(
    new URL("../sync/folder_round.ts", import.meta.url),
  );
  const { homeRoot } = await lazyImport<typeof import("./session.ts")>(
    new URL("./session.ts", import.meta.url),
  );
  try {
    await scanFolders(homeRoot(ctx), {
      now: ctx.now,
      env: ctx.env,
      timeoutMs: 10_000,
      only: folder,
      signal: ctx.signal,
      ...(restored ? { restored: { folder, paths: restored } } : {}),
    });
  } catch (e) {
    if (!isMycelError(e, "sync_interrupted")) throw e;
    throw interruptedError(doing, {
      value: rel,
      hint: restored
        // The file is back on disk already: say so, not only that the scan stopped.
        ? `${safeText(rel)} is restored on disk; the next scan (\`mycel folder scan\`, or ` +
          "`mycel sync now`) publishes it."
        : "Nothing was restored; run the restore again.",
    });
  }
}

/** A device whose version `folder restore` published over: its id, and its name while a member. */
export interface OverDevice {
  readonly device: string;
  readonly name: string | null;
}

/**
 * Who made the versions of `rel` the state holds with other content than
 * the disk's (src/sync/restore_over.ts), each device once; none when every
 * one is the disk's content.
 */
export async function othersOverDisk(
  ctx: CommandContext,
  folder: string,
  rel: string,
): Promise<OverDevice[]> {
  const { otherThanDisk } = await lazyImport<typeof import("../sync/restore_over.ts")>(
    new URL("../sync/restore_over.ts", import.meta.url),
  );
  const { withRead } = await lazyImport<typeof import("./session.ts")>(
    new URL("./session.ts", import.meta.url),
  );
  return await withRead(ctx, (home) => {
    const names = new Map<string, string>();
    for (const m of home.view.members()) names.set(m.record.id, m.record.name);
    const by = new Map<string, OverDevice>();
    for (const v of otherThanDisk(home, folder, rel)) {
      by.set(v.modifiedBy, { device: v.modifiedBy, name: names.get(v.modifiedBy) ?? null });
    }
    return [...by.values()];
  });
}

/** How the text output names `d`: its name, else the start of its id (a device removed since). */
export function overName(d: OverDevice): string {
  return safeText(d.name || d.device.slice(0, 7));
}
