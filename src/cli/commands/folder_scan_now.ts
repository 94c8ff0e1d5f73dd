/**
 * @module folder_scan_now
 * A scan of this device's folders run by a command (`folder add`, `join`,
 * `scan`, `move`, `override`) rather than by a sync round, and the lines
 * that tell its outcome: files, changes published, deletions held, a
 * folder stopped, what was not synced. Apart because several folder
 * commands share it, and the scan itself (sync/folder_round.ts) is loaded
 * only when one runs.
 */

import type { ScanReport } from "../../sync/folder_scan.ts";
import { plural } from "../../human.ts";
import { lazyImport } from "../../lazy_import.ts";
import type { CommandContext } from "../command.ts";
import { massDeleteConfirm } from "../mass_delete.ts";
import { ignoredKeptText, linkNoteLines, nameNoteLines, notSyncedLines } from "../not_synced.ts";
import { stopLine, stoppedHints } from "../folder_stopped.ts";
import { labelOf } from "../../sync/folder_label.ts";

export function scanLine(ctx: CommandContext, r: ScanReport): void {
  if (r.stopped) {
    ctx.out.error(stopLine(labelOf(r.folder, r.name), r.stopped, r.root));
    for (const hint of stoppedHints(r.folder, r.stopped, r.root)) ctx.out.error(`hint: ${hint}`);
    return;
  }
  ctx.out.line(
    `${labelOf(r.folder, r.name)}: ${plural(r.present, "file")}; published ${
      plural(r.published, "change")
    }` +
      (r.held
        ? `; ${plural(r.held, "deletion")} held (more than half the folder): confirm with --yes`
        : ""),
  );
  for (const line of notSyncedLines(r.skipped)) ctx.out.error(line);
  if (r.ignoredKept > 0) ctx.out.error(`  ${ignoredKeptText(r.ignoredKept)}`);
  for (const line of nameNoteLines(r)) ctx.out.error(line);
  for (const line of linkNoteLines(r.linksOut)) ctx.out.error(line);
}

export async function scanNow(ctx: CommandContext, only: string | undefined, yes: boolean) {
  const { scanFolders } = await lazyImport<typeof import("../../sync/folder_round.ts")>(
    new URL("../../sync/folder_round.ts", import.meta.url),
  );
  const { homeRoot } = await lazyImport<typeof import("../session.ts")>(
    new URL("../session.ts", import.meta.url),
  );
  return await scanFolders(homeRoot(ctx), {
    now: ctx.now,
    env: ctx.env,
    timeoutMs: 10_000,
    only,
    // Its scan line says what was held.
    confirmMassDelete: massDeleteConfirm(ctx, yes, false),
    progress: ctx.out.progress,
    signal: ctx.signal,
  });
}
