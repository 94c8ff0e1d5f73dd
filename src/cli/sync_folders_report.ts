/**
 * @module sync_folders_report
 * What `sync now` says about folders: names a scan could not sync or
 * publishes for the first time (said when that list changes, not every
 * 30 s), then per folder what the round applied, what is still to come,
 * files nobody can send, paths not written, old versions the sweep could
 * not remove (said when that list changes) and peers dropped; a stopped
 * folder fails the round (under `--json`, as the JSON error).
 */

import { MycelError } from "../errors.ts";
import type { ScanReport } from "../sync/folder_scan.ts";
import type { UnfetchableFile } from "../sync/unfetchable.ts";
import type { FolderOutcome } from "../sync/folder_round.ts";
import { safeText } from "../text_safety.ts";
import { MARKER_UNREACHABLE_HINT, MARKER_UNREADABLE_HINT } from "../files/folder_marker.ts";
import { humanBytes, plural } from "../human.ts";
import type { CommandContext } from "./command.ts";
import {
  linkNoteLines,
  nameNoteLines,
  notListedLines,
  notRemovedLines,
  notSyncedLines,
  notWrittenLines,
} from "./not_synced.ts";

/** Print what the scans before the round found to say. */
export function printScanNotes(ctx: CommandContext, scans: readonly ScanReport[]): void {
  // Paths a scan can't sync are said when that list changes (a timer's log
  // does not repeat them every 30 s); `folder status` lists them any time.
  for (const s of scans) {
    // Said once, by the scan that publishes them (not every 30 s).
    const notes = nameNoteLines({ unportable: s.unportable, caseCollisions: s.newCaseCollisions });
    if (notes.length > 0) ctx.out.error(`folder ${s.folder}: names published this round:`);
    for (const line of notes) ctx.out.error(line);
    const links = linkNoteLines(s.linksOut);
    if (links.length > 0) ctx.out.error(`folder ${s.folder}: links published this round:`);
    for (const line of links) ctx.out.error(line);
    if (!s.skippedChanged) continue;
    if (s.skipped.length === 0) {
      ctx.out.error(`folder ${s.folder}: every path syncs here again`);
      continue;
    }
    ctx.out.error(`folder ${s.folder}: ${plural(s.skipped.length, "path")} not synced here:`);
    for (const line of notSyncedLines(s.skipped)) ctx.out.error(line);
  }
}

/** Bytes of `files` in all. */
function sizeOf(files: readonly UnfetchableFile[]): number {
  return files.reduce((n, u) => n + u.size, 0);
}

/** Files by the (escaped) name of their maker, in name order. */
function byMaker(files: readonly UnfetchableFile[]): [string, UnfetchableFile[]][] {
  const out = new Map<string, UnfetchableFile[]>();
  for (const u of files) {
    const name = safeText(u.maker);
    out.set(name, [...out.get(name) ?? [], u]);
  }
  return [...out].sort(([x], [y]) => x.localeCompare(y));
}

/**
 * Print what applying each folder did (nothing under quiet or `--json`);
 * throws under `--json` when a folder is stopped. `stopped`: some folder is;
 * `partial`: files are still to come that a later round can fetch.
 */
export function reportFolders(
  ctx: CommandContext,
  o: { json: boolean; quiet: boolean },
  scans: readonly ScanReport[],
  applied: readonly FolderOutcome[],
): { stopped: boolean; partial: boolean } {
  let stopped = scans.some((s) => s.stopped !== undefined);
  let partial = false;
  for (const f of applied) {
    if (f.stopped) stopped = true;
    const a = f.apply;
    // Files nobody can send do not make the round partial: no later round
    // gets them either (src/sync/unfetchable.ts); they are said below.
    if (a && a.needFiles > a.unfetchable.length) partial = true;
    if (o.quiet) continue;
    if (f.interrupted) {
      // The round ends as interrupted (sync.ts): said here is what this folder got.
      if (!o.json && a !== undefined) {
        ctx.out.error(
          `folder ${f.folder}: interrupted after ${plural(a.done, "change")} applied and ` +
            `${humanBytes(a.fetchedBytes)} fetched; what its unfinished files hold is kept ` +
            "for the next round",
        );
      }
      continue;
    }
    if (f.stopped) {
      if (o.json) continue; // said as the JSON error below
      ctx.out.error(stopLine(f.folder, f.stopped));
      // Stopped during the round (its marker went): said once, with what it got before.
      if (a !== undefined) {
        ctx.out.error(
          `  it stopped during this round, after ${plural(a.done, "change")} applied and ` +
            `${humanBytes(a.fetchedBytes)} fetched: nothing more is fetched for it, and what ` +
            "its unfinished files hold is kept for when it is back",
        );
      }
      // The JSON error's hints, as indented lines of the round's report.
      for (const hint of markerHints(f.folder, f.stopped)) {
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
    const gone = a.unfetchable.filter((u) => !u.makerLacks);
    const goneBytes = sizeOf(gone);
    if (a.done > 0 || toCome > 0 || (a.problems.length > 0 && f.problemsChanged)) {
      ctx.out.line(
        `folder ${f.folder}: ${plural(a.done, "change")} applied` +
          (a.fetchedBytes > 0 ? `, ${humanBytes(a.fetchedBytes)} fetched` : "") +
          (toCome > 0
            ? `; ${plural(toCome, "file")} (${humanBytes(Math.max(0, toComeBytes))}) still to come`
            : "") +
          said,
      );
    }
    if (gone.length > 0) {
      const makers = [...new Set(gone.map((u) => safeText(u.maker)))].sort().join(", ");
      ctx.out.error(
        `folder ${f.folder}: ${plural(gone.length, "file")} (${
          humanBytes(goneBytes)
        }) can't be fetched: no device that syncs the folder has their content (made by ${makers})`,
      );
      ctx.out.error(
        `  \`mycel folder override ${f.folder}\` makes what this disk holds the folder's version ` +
          `(add --missing for those this device never had; --dry-run lists them first; ` +
          `\`mycel folder status ${f.folder}\` says which devices wait)`,
      );
    }
    for (const [maker, files] of byMaker(a.unfetchable.filter((u) => u.makerLacks))) {
      const one = files.length === 1;
      ctx.out.error(
        `folder ${f.folder}: ${plural(files.length, "file")} (${
          humanBytes(sizeOf(files))
        }) can't be ` +
          `fetched now: ${maker}, which made ${one ? "it" : "them"}, no longer has that content`,
      );
      ctx.out.error(
        `  if ${maker} changed ${one ? "it" : "them"} since, ${maker}'s next scan sends the new ` +
          `version; if ${maker} lost ${
            one ? "it" : "them"
          }, \`mycel folder override ${f.folder}\` ` +
          `on ${maker} ends the wait`,
      );
    }
    if (f.problemsChanged && a.problems.length === 0) {
      ctx.out.error(`folder ${f.folder}: every path is written here again`);
    } else if (f.problemsChanged) {
      for (const line of notWrittenLines(a.problems)) ctx.out.error(line);
    }
    if (f.notRemoved?.length === 0) {
      ctx.out.error(`folder ${f.folder}: the old versions past its retention are removed now`);
    } else if (f.notRemoved !== undefined) {
      ctx.out.error(
        `folder ${f.folder}: ${
          plural(f.notRemoved.length, "old version")
        } past its retention (--keep-days) can't be removed:`,
      );
      for (const line of notRemovedLines(f.notRemoved)) ctx.out.error(line);
    }
    if (f.notListed?.length === 0) {
      ctx.out.error(`folder ${f.folder}: every folder of old versions can be listed again`);
    } else if (f.notListed !== undefined) {
      ctx.out.error(
        `folder ${f.folder}: ${
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

/**
 * "folder docs stopped: marker missing — …": the line `sync now` and
 * `folder scan` give a stopped folder (it said "folder docs: folder
 * stopped: …"). The text is escaped for the terminal.
 */
export function stopLine(folder: string, why: string): string {
  return `folder ${folder} stopped: ${safeText(why.replace(/^folder stopped: /, ""))}`;
}

/** What the user can do about a folder stopped for `why`, as sentences (none when nothing helps). */
export function stoppedHints(folder: string, why: string): string[] {
  const hints = markerHints(folder, why);
  if (stoppedCode(why) === "bad_ignore_file") {
    hints.push("Fix or remove that ignore file; the folder syncs again on the next round.");
  }
  return hints;
}

/** What the user can do about a folder stopped for its marker (missing, or unreadable). */
function markerHints(folder: string, why: string): string[] {
  const hints = [];
  if (/marker missing/.test(why)) {
    hints.push(`If it moved: \`mycel folder move ${folder} NEWPATH\` (nothing is fetched again).`);
  }
  if (/can't look at its marker/.test(why)) hints.push(MARKER_UNREADABLE_HINT);
  if (/its marker can't be read/.test(why)) hints.push(MARKER_UNREACHABLE_HINT);
  return hints;
}

/** The reason is kept as text with the folder: its code is told apart the same way. */
function stoppedCode(why: string): "bad_ignore_file" | "folder_stopped" {
  // A marker's stop says so first; a path that merely holds "ignore" is not an ignore file's.
  return /ignore/.test(why) && !/^folder stopped:/.test(why) ? "bad_ignore_file" : "folder_stopped";
}

/**
 * The error a command ends with under `--json` when folders of `results`
 * are stopped (the first named; how many, when more): `sync now`, `folder
 * scan`. `verb` as in "Cannot sync folder docs".
 */
export function stoppedError(
  results: readonly { folder: string; stopped?: string }[],
  verb: string,
): MycelError {
  const all = results.filter((x) => x.stopped);
  const { folder, stopped: why } = all[0];
  const hints = stoppedHints(folder, why!);
  const count = new Set(all.map((x) => x.folder)).size;
  if (count > 1) hints.push(`${count} folders are stopped: see \`mycel folder status\`.`);
  return new MycelError(stoppedCode(why!), `${verb} ${folder}`, why!, {
    hint: hints.length > 0 ? hints.join(" ") : undefined,
  });
}
