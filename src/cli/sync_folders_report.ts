/**
 * @module sync_folders_report
 * What `sync now` says about folders after the round (what the scans before
 * it found is scan_notes.ts): per folder what the round applied, what is
 * still to come, files nobody can send (unfetchable_report.ts), paths not
 * written, old versions the sweep could not remove (said when that list
 * changes) and peers dropped; a stopped folder fails the round (under
 * `--json`, as the JSON error; how a stopped folder is told is
 * folder_stopped.ts).
 */

import type { ScanReport } from "../sync/folder_scan.ts";
import type { FolderOutcome } from "../sync/folder_round.ts";
import { humanBytes, plural } from "../human.ts";
import type { CommandContext } from "./command.ts";
import { markerHints, stopLine, stoppedError } from "./folder_stopped.ts";
import { fullDiskLines, notListedLines, notRemovedLines, notWrittenLines } from "./not_synced.ts";
import { printUnfetchable, sizeOf } from "./unfetchable_report.ts";
import { safeText } from "../text_safety.ts";
import { labelOf } from "../sync/folder_label.ts";
import { carriedText, movedText } from "./moved_text.ts";

/**
 * Print what applying each folder did (nothing under quiet or `--json`);
 * throws under `--json` when a folder is stopped. `stopped`: some folder is;
 * `partial`: files are still to come that a later round can fetch.
 */
export function reportFolders(
  ctx: CommandContext,
  o: { json: boolean; quiet: boolean; folders?: boolean },
  scans: readonly ScanReport[],
  applied: readonly FolderOutcome[],
): { stopped: boolean; partial: boolean } {
  let stopped = scans.some((s) => s.stopped !== undefined);
  let partial = false;
  for (const f of applied) {
    if (f.stopped) stopped = true;
    // Its name with its id (folder_label.ts): the id alone meant nothing to a person.
    const label = labelOf(f.folder, f.name);
    const a = f.apply;
    // Files nobody can send do not make the round partial: no later round
    // gets them either (src/sync/unfetchable.ts); they are said below.
    if (a && a.needFiles > a.unfetchable.length) partial = true;
    if (o.quiet) continue;
    if (f.interrupted) {
      // The round ends as interrupted (sync.ts): said here is what this folder got.
      if (!o.json && a !== undefined) {
        ctx.out.error(
          `folder ${label}: interrupted after ${plural(a.done, "change")} applied and ` +
            `${humanBytes(a.fetchedBytes)} fetched; what its unfinished files hold is kept ` +
            "for the next round",
        );
      }
      continue;
    }
    if (f.stopped) {
      if (o.json) continue; // said as the JSON error below
      ctx.out.error(stopLine(label, f.stopped, f.root));
      // Stopped during the round (its marker went): said once, with what it got before.
      if (a !== undefined) {
        ctx.out.error(
          `  it stopped during this round, after ${plural(a.done, "change")} applied and ` +
            `${humanBytes(a.fetchedBytes)} fetched: nothing more is fetched for it, and what ` +
            "its unfinished files hold is kept for when it is back",
        );
      }
      // The JSON error's hints, as indented lines of the round's report.
      for (const hint of markerHints(f.folder, f.stopped, f.root)) {
        ctx.out.error(`  ${hint[0].toLowerCase()}${hint.slice(1).replace(/\.$/, "")}`);
      }
      continue;
    }
    if (a === undefined || o.json) continue;
    // The paths not written are listed when they change (a timer's log does
    // not repeat them every 30 s); otherwise pointed at. `folder status` keeps them.
    const said = a.problems.length > 0 && !f.problemsChanged
      ? ` (${
        plural(a.problems.length, "path")
      } not written here: see \`mycel folder status ${f.folder}\`)`
      : "";
    // What nobody could send is said below, not counted as still to come.
    const toCome = a.needFiles - a.unfetchable.length;
    const toComeBytes = a.needBytes - sizeOf(a.unfetchable);
    if (a.done > 0 || toCome > 0 || (a.problems.length > 0 && f.problemsChanged)) {
      ctx.out.line(
        `folder ${label}: ${plural(a.done, "change")} applied` +
          // A join onto a copy made without times sets thousands of times and
          // writes nothing: said, so "5000 changes applied" does not read as
          // 5000 files rewritten.
          (a.timesOnly > 0
            ? ` (${
              a.timesOnly < a.done ? `${a.timesOnly} of them ` : a.done > 1 ? "all " : ""
            }only a file's time)`
            : "") +
          (a.fetchedBytes > 0 ? `, ${humanBytes(a.fetchedBytes)} fetched` : "") +
          (toCome > 0
            ? `; ${plural(toCome, "file")} (${humanBytes(Math.max(0, toComeBytes))}) still to come`
            : "") +
          said,
      );
    } else if (o.folders) {
      // --folders: a line for every folder, this one with nothing to apply.
      const clean = a.unfetchable.length === 0 && a.problems.length === 0;
      ctx.out.line(`folder ${label}: ${clean ? "in sync" : "nothing applied this round"}`);
    }
    printUnfetchable(ctx, f.folder, a.unfetchable, label);
    // Said once, by the round that finds it (moved_said.ts); `folder conflicts` keeps it.
    for (const m of f.moved ?? []) ctx.out.error(`folder ${label}: ${movedText(m)}`);
    if (f.movedMore !== undefined) {
      ctx.out.error(
        `folder ${label}: and ${
          plural(f.movedMore, "more file")
        } moved on one device while another edited it (both kept)`,
      );
    }
    if (f.moved !== undefined || f.movedMore !== undefined) {
      ctx.out.error(`  see \`mycel folder conflicts ${f.folder}\` for what to do`);
    }
    for (const m of f.carried ?? []) ctx.out.error(`folder ${label}: ${carriedText(m)}`);
    for (const line of copiesLines(f.folder, label, a.copiesMade ?? [])) ctx.out.error(line);
    if (f.problemsChanged && a.problems.length === 0) {
      ctx.out.error(`folder ${label}: every path is written here again`);
    } else if (f.problemsChanged) {
      for (const line of notWrittenLines(a.problems)) ctx.out.error(line);
      for (const line of fullDiskLines(f.folder, a.problems, () => f.keptBytes ?? 0)) {
        ctx.out.error(line);
      }
    }
    if (f.notRemoved?.length === 0) {
      ctx.out.error(`folder ${label}: the old versions past its retention are removed now`);
    } else if (f.notRemoved !== undefined) {
      ctx.out.error(
        `folder ${label}: ${
          plural(f.notRemoved.length, "old version")
        } past its retention (--keep-days) can't be removed:`,
      );
      for (const line of notRemovedLines(f.notRemoved)) ctx.out.error(line);
    }
    if (f.notListed?.length === 0) {
      ctx.out.error(`folder ${label}: every folder of old versions can be listed again`);
    } else if (f.notListed !== undefined) {
      ctx.out.error(
        `folder ${label}: ${
          plural(f.notListed.length, "folder")
        } of old versions (.mycel/versions) can't be listed, so what ${
          f.notListed.length === 1 ? "it holds" : "they hold"
        } is not pruned:`,
      );
      for (const line of notListedLines(f.notListed)) ctx.out.error(line);
    }
    for (const p of a.peers) {
      if (p.dropped) ctx.out.error(`  ${safeText(p.name)}: ${safeText(p.dropped)}`);
    }
  }
  if (stopped && o.json) {
    // Under --json the failure is the JSON error on standard error (after the
    // peers' outcomes on standard output), as for every command.
    throw stoppedError([...applied, ...scans], "sync folder");
  }
  return { stopped, partial };
}

/** How many conflict copies a round names before it says "and N more". */
const COPIES_NAMED = 5;

/**
 * The conflict copies a round wrote, said once by that round (`folder
 * conflicts` keeps listing them): a file edited on two devices at once had
 * both versions kept, and the user should know without running status.
 */
function copiesLines(folder: string, label: string, made: readonly string[]): string[] {
  if (made.length === 0) return [];
  const sorted = [...made].sort();
  const named = sorted.slice(0, COPIES_NAMED).map((p) => safeText(p));
  const more = sorted.length - named.length;
  return [
    `folder ${label}: kept both versions of ${plural(sorted.length, "file")} edited on two ` +
    `devices at once: ${named.join(", ")}${more > 0 ? `, and ${more} more` : ""}`,
    `  see \`mycel folder conflicts ${folder}\` to keep one`,
  ];
}
