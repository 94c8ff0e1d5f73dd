/**
 * @module scan_notes
 * What `sync now` says of the scans before its round: how many changes
 * made here each folder's scan published, names and links a
 * scan publishes for the first time (said once, by the scan that publishes
 * them) and the paths a scan could not sync (said when that list changes,
 * not every 30 s). Apart from sync_folders_report.ts, which tells what the
 * round itself did.
 */

import { plural } from "../human.ts";
import type { ScanReport } from "../sync/folder_scan.ts";
import type { CommandContext } from "./command.ts";
import { labelOf } from "../sync/folder_label.ts";
import { ignoredKeptText, linkNoteLines, nameNoteLines, notSyncedLines } from "./not_synced.ts";

/** Print what the scans before the round found to say. */
export function printScanNotes(ctx: CommandContext, scans: readonly ScanReport[]): void {
  // Paths a scan can't sync are said when that list changes (a timer's log
  // does not repeat them every 30 s); `folder status` lists them any time.
  for (const s of scans) {
    const label = labelOf(s.folder, s.name); // its name with its id (folder_label.ts)
    // What this device changed goes out with the round: said, or a deletion of
    // 1,646 files here read the same as a round with nothing to do.
    if (s.published > 0) {
      ctx.out.line(`folder ${label}: ${plural(s.published, "local change")} published`);
    }
    // Said once, by the scan that publishes them (not every 30 s).
    const notes = nameNoteLines({ unportable: s.unportable, caseCollisions: s.newCaseCollisions });
    if (notes.length > 0) ctx.out.error(`folder ${label}: names published this round:`);
    for (const line of notes) ctx.out.error(line);
    const links = linkNoteLines(s.linksOut);
    if (links.length > 0) ctx.out.error(`folder ${label}: links published this round:`);
    for (const line of links) ctx.out.error(line);
    // Said when the count changes (a timer's log does not repeat it every 30 s).
    if (s.ignoredKeptChanged && s.ignoredKept > 0) {
      ctx.out.error(`folder ${label}: ${ignoredKeptText(s.ignoredKept)}`);
    }
    if (!s.skippedChanged) continue;
    if (s.skipped.length === 0) {
      ctx.out.error(`folder ${label}: every path syncs here again`);
      continue;
    }
    ctx.out.error(`folder ${label}: ${plural(s.skipped.length, "path")} not synced here:`);
    for (const line of notSyncedLines(s.skipped)) ctx.out.error(line);
  }
}
