/**
 * @module folder_status
 * `mycel folder status [ID]` (files, bytes, and per device: in sync, behind
 * by N files and B bytes, conflicts, stopped and why) and
 * `mycel folder conflicts [ID]` (paths in conflict and the conflict copies).
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { ago, humanBytes, plural } from "../../human.ts";
import { withRead } from "../session.ts";
import { checkFolderId } from "./folder_args.ts";
import { wayBack } from "../mass_delete.ts";
import { lazyImport } from "../../lazy_import.ts";
import { folderLabel, labelOf } from "../../sync/folder_label.ts";
import { stoppedHints } from "../folder_stopped.ts";
import { conflictsJson, folderStatusJson } from "../folder_json.ts";
import { carryingText, MOVED_HINT, movedText } from "../moved_text.ts";
import {
  fullDiskLines,
  ignoredKeptText,
  notListedLines,
  notRemovedLines,
  notSyncedLines,
  notWrittenLines,
} from "../not_synced.ts";
import { keptBytes } from "../../files/kept_bytes.ts";
import type { CopyDetail } from "../folder_conflicts.ts";
import type { DeviceStanding } from "../folder_standing.ts";

function idsOf(home: { folderLocal: { folders(): { folder: string }[] } }, id: string | undefined) {
  const ids = id !== undefined ? [id] : home.folderLocal.folders().map((f) => f.folder);
  return ids;
}

/**
 * Which paths this device ignores in the folder at `root` (its .mycelignore
 * and .mycel/ignore): never written here. Rules that can't be read (the
 * folder is stopped for them): none; not joined here: none.
 */
export async function ignoredIn(root: string | undefined): Promise<(path: string) => boolean> {
  const { loadIgnoreRules } = await lazyImport<typeof import("../../files/ignore_rules.ts")>(
    new URL("../../files/ignore_rules.ts", import.meta.url),
  );
  const rules = root === undefined ? undefined : await loadIgnoreRules(root).catch(() => {
    return undefined;
  });
  return (p) => rules?.isIgnored(p, false) ?? false;
}

function unknown(id: string): MycelError {
  return new MycelError("unknown_folder", "show folder", "no folder with this id is shared", {
    value: id,
    hint: "See `mycel folder list`.",
    exit: ExitCode.usage,
  });
}

/** `folder status`. */
export const folderStatusCommand: CommandSpec = {
  path: ["folder", "status"],
  summary: "files, bytes, and each device's standing: in sync, behind, conflicts, stopped",
  description: "Another device's standing comes from its last report (sent after each of its\n" +
    "rounds, and every 30 s while it fetches) measured against what this device knows:\n" +
    'it may be a round old, and "behind" says when that report was written ("as of\n' +
    'its report 3m ago"). The bytes behind are what is still to fetch: what a device\n' +
    "holds already of a file in progress is left out, and this device's own line says\n" +
    'it ("behind by 1 file and 48 MiB (16 MiB fetched)"). This device\'s line is as of\n' +
    'its last scan ("last scan 5m ago"): files changed since count from the next\n' +
    "`mycel folder scan` or `sync now`.",
  args: [{
    name: "ID",
    help: "only this folder (default: every folder synced here)",
    optional: true,
  }],
  flags: [JSON_FLAG],
  ...LOCAL,
  async run(ctx, input) {
    const id = input.args.ID === undefined ? undefined : checkFolderId(input.args.ID as string);
    const { folderStatus } = await lazyImport<typeof import("../folder_view.ts")>(
      new URL("../folder_view.ts", import.meta.url),
    );
    const { fetchedHere } = await lazyImport<typeof import("../folder_partial.ts")>(
      new URL("../folder_partial.ts", import.meta.url),
    );
    const list = await withRead(ctx, async (home) => {
      const out = [];
      for (const f of idsOf(home, id)) {
        if (home.view.folders().share(f) === undefined) throw unknown(f);
        // Paths ignored here are never written here: not "behind".
        const ignored = await ignoredIn(home.folderLocal.folder(f)?.root);
        // What this device holds of the files it is fetching: not still to fetch.
        out.push(folderStatus(home, f, ignored, await fetchedHere(home, f)));
      }
      return out;
    });
    if (input.flags.json) {
      ctx.out.json(list.map(folderStatusJson));
      return ExitCode.ok;
    }
    if (list.length === 0) ctx.out.error("This device syncs no folder: see `mycel folder list`.");
    const now = ctx.now();
    for (const s of list) {
      ctx.out.line(
        `${labelOf(s.id, s.name)}${s.path ? ` at ${safeText(s.path)}` : " (not joined here)"}: ` +
          `${plural(s.files, "file")}, ${humanBytes(s.bytes)}`,
      );
      for (const d of s.devices) {
        const who = `${safeText(d.name)} (${d.self ? "this device" : d.id.slice(0, 7)})`;
        // The reason as `sync now` gives it: "stopped (folder stopped: …)" said it twice.
        const why = (d.stopped ?? "").replace(/^folder stopped: /, "");
        const how = d.state === "stopped"
          ? [{ text: "stopped", tone: "red" as const }, ` (${safeText(why)})`]
          : d.state === "unknown"
          ? [{ text: "no report yet", tone: "yellow" as const }]
          : d.state === "behind"
          ? [
            {
              text: `behind by ${plural(d.behindFiles, "file")} and ${humanBytes(d.behindBytes)}`,
              tone: "yellow" as const,
            },
            fetchedNote(d),
            reportNote(d, now),
            scanNote(d, now),
          ]
          : [{ text: "in sync", tone: "green" as const }, scanNote(d, now)];
        const conf = d.conflicts > 0 ? `, ${plural(d.conflicts, "conflict")}` : "";
        ctx.out.line([`  ${who}: `, ...how, conf]);
        // Stopped here: what to do about it, as `sync now` says it (status said only why).
        if (d.self && d.state === "stopped" && d.stopped) {
          for (const hint of stoppedHints(s.id, d.stopped, s.path ?? undefined)) {
            ctx.out.line(`    ${hint[0].toLowerCase()}${hint.slice(1).replace(/\.$/, "")}`);
          }
        }
        for (const r of d.waitingOnRemoved ?? []) {
          ctx.out.line(
            `    ${plural(r.files, "file")} of it made by ${safeText(r.name)}, which was removed ` +
              "from the mesh: only a device that fetched them can send them, and none may have",
          );
        }
        if (d.waitingOnSelf) {
          ctx.out.line(
            `    ${plural(d.waitingOnSelf, "file")} of it made here and no longer here: only a ` +
              "device that fetched them can send them, and none may have",
          );
        }
        if (d.waitingOnRemoved || d.waitingOnSelf) {
          ctx.out.line(
            `    to stop waiting, make this device's copy the folder's: ` +
              `\`mycel folder override ${s.id} --dry-run\`, then without --dry-run`,
          );
        }
      }
      if (s.conflicts > 0 || s.conflictCopies > 0) {
        const moved = s.movedWhileEdited > 0
          ? ` (${s.movedWhileEdited} of them ${
            s.movedWhileEdited === 1 ? "a file" : "files"
          } moved on one device while edited on another)`
          : "";
        // The copies stay until the user keeps or deletes them: before, a folder
        // whose conflicts had ended said nothing of the copies they left.
        const copies = s.conflictCopies === 0
          ? ""
          : `${
            plural(s.conflictCopies, "conflict copy", "conflict copies")
          } waiting for you to keep or delete`;
        const what = [s.conflicts > 0 ? `${plural(s.conflicts, "conflict")}${moved}` : "", copies]
          .filter((t) => t !== "").join("; ");
        ctx.out.line(`  ${what}: see \`mycel folder conflicts ${s.id}\``);
      }
      for (const line of notSyncedLines(s.notSynced, s.notSyncedCount)) ctx.out.line(line);
      for (const line of notWrittenLines(s.notWritten, s.notWrittenCount)) ctx.out.line(line);
      for (const line of fullDiskLines(s.id, s.notWritten, () => keptBytes(s.path!))) {
        ctx.out.line(line);
      }
      for (const line of notRemovedLines(s.notRemoved, s.notRemovedCount)) ctx.out.line(line);
      for (const line of notListedLines(s.notListed, s.notListedCount)) ctx.out.line(line);
      if (s.ignoredKept > 0) ctx.out.line(`  ${ignoredKeptText(s.ignoredKept)}`);
      if (s.heldDeletes > 0) {
        ctx.out.line(
          `  ${plural(s.heldDeletes, "deletion")} held here: confirm with ` +
            `\`mycel folder scan ${s.id} --yes\`` +
            (s.path ? `, or get the files back: ${wayBack(s.id, s.path)}` : ""),
        );
      }
    }
    return ExitCode.ok;
  },
};

/** `folder conflicts`. */
export const folderConflictsCommand: CommandSpec = {
  path: ["folder", "conflicts"],
  summary: "paths in conflict and the conflict copies (NAME.sync-conflict-…)",
  description: "Among the conflicts, a file moved on one device while another edited it is\n" +
    "named with both paths. Its edit is carried to the new path by the next round\n" +
    "of a device that holds it, unless the new path changed too: then the edit stays\n" +
    "at the old path, the content before it at the new one, until you move the edit\n" +
    "over the moved file or delete one of them.",
  args: [{ name: "ID", help: "only this folder", optional: true }],
  flags: [JSON_FLAG],
  ...LOCAL,
  async run(ctx, input) {
    const id = input.args.ID === undefined ? undefined : checkFolderId(input.args.ID as string);
    const { folderConflicts } = await lazyImport<typeof import("../folder_conflicts.ts")>(
      new URL("../folder_conflicts.ts", import.meta.url),
    );
    // Each line names its folder "docs (2p547-v4hbr)", as `folder status` does.
    const labels = new Map<string, string>();
    const list = await withRead(ctx, async (home) => {
      const out = [];
      for (const f of idsOf(home, id)) {
        if (home.view.folders().share(f) === undefined) throw unknown(f);
        // A copy this device ignores is never written here: said, not left to be looked for.
        const ignored = await ignoredIn(home.folderLocal.folder(f)?.root);
        out.push({ id: f, ...folderConflicts(home, f, ignored) });
        labels.set(f, folderLabel(home, f));
      }
      return out;
    });
    if (input.flags.json) {
      ctx.out.json(list.map(conflictsJson));
      return ExitCode.ok;
    }
    let any = false, copies = false, moves = false;
    const nowFolders: string[] = [];
    for (const f of list) {
      const label = labels.get(f.id) ?? f.id;
      const stuck = new Map((f.waitingOnRemoved ?? []).map((w) => [w.path, w.makers]));
      const wide = new Map((f.cannotEnd ?? []).map((w) => [w.path, w.reason]));
      const moved = new Map((f.moved ?? []).map((m) => [m.path, m]));
      for (const p of f.unresolved) {
        const makers = stuck.get(p);
        const why = wide.get(p);
        const move = moved.get(p);
        if (move !== undefined && why === undefined && move.carrying) {
          // Its edit is on its way to where the file moved: nothing to do.
          ctx.out.line(`${label}: ${carryingText(move)}`);
          continue;
        }
        if (move !== undefined && why === undefined) {
          // Not "(resolving)": such a conflict stays until the user ends it.
          ctx.out.line(`${label}: ${movedText(move)}`);
          moves = true;
          continue;
        }
        ctx.out.line(
          `${label}: ${safeText(p)}: versions in conflict ` +
            (why !== undefined
              ? `(it can't end here: ${why})`
              : makers === undefined
              ? "(resolving)"
              : `(waiting for a version made by ${
                makers.map((m) => safeText(m)).join(", ")
              }, removed ` +
                `from the mesh since: it may never come; \`mycel folder override ${f.id} ` +
                `--dry-run\` shows how to make this device's copy win)`),
        );
      }
      const away = new Set(f.ignoredHere ?? []);
      const details = new Map(f.details.map((d) => [d.path, d]));
      for (const d of f.details) if (d.ofFolder !== undefined) nowFolders.push(d.ofFolder);
      for (const p of f.copies) {
        const note = away.has(p) ? ", ignored here (not on this device)" : "";
        ctx.out.line(
          `${label}: ${safeText(p)}: conflict copy${describeCopy(details.get(p))}${note}`,
        );
      }
      any ||= f.unresolved.length + f.copies.length > 0;
      copies ||= f.copies.length > 0;
    }
    if (!any) ctx.out.error("No conflicts.");
    if (moves) ctx.out.error(MOVED_HINT);
    if (copies) {
      ctx.out.error(
        "To keep a copy's content, move it over the file; to drop it, delete it. " +
          "Either change syncs to every device.",
      );
    }
    // "Move it over the file" can't be done where the file became a folder.
    if (nowFolders.length > 0) {
      ctx.out.error(
        `A copy of a file that became a folder (${safeText(nowFolders[0])}${
          nowFolders.length > 1 ? `, ${nowFolders.length - 1} more` : ""
        }) can't go over it: to keep its content, rename the copy.`,
      );
    }
    return ExitCode.ok;
  },
};

// This device's own line: what it holds already of the files still to come
// (left out of the bytes it is behind by, as its progress records leave it out).
function fetchedNote(d: DeviceStanding): string {
  return d.fetchedBytes ? ` (${humanBytes(d.fetchedBytes)} fetched)` : "";
}

// Another device's "behind" is as of its last report, which may be old: it
// may have caught up since (its next report comes with a later round).
function reportNote(d: DeviceStanding, now: number): string {
  if (d.self) return "";
  return d.reportedMs === undefined
    ? " (as of its last report)"
    : ` (as of its report ${ago(Math.min(d.reportedMs, now), now)})`;
}

// This device's line is as of its last scan: a file edited since is in no
// state yet. Without it, an edit made a minute ago read as "in sync".
function scanNote(d: DeviceStanding, now: number): string {
  if (!d.self || d.scannedMs === undefined) return "";
  return ` (last scan ${ago(Math.min(d.scannedMs, now), now)})`;
}

// ": conflict copy" goes on " of a.txt, desktop's version of 2026-12-07 03:59:38 UTC".
function describeCopy(d: CopyDetail | undefined): string {
  if (d === undefined) return "";
  const of = d.of !== undefined
    ? ` of ${safeText(d.of)}`
    : d.ofFolder !== undefined
    ? ` of ${safeText(d.ofFolder)}, a folder now`
    : "";
  const who = d.deviceName === undefined
    ? `the version of device ${d.device}`
    : `${safeText(d.deviceName)}'s version`;
  const when = new Date(d.modifiedMs).toISOString().slice(0, 19).replace("T", " ");
  return `${of}, ${who} of ${when} UTC`;
}
