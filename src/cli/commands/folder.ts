/**
 * @module folder
 * `mycel folder remove|scan` and the table of every `folder` command: stop
 * syncing a folder here (its files stay), scan folders now. Which folders a
 * device syncs and where is local; shares and joins are signed entries, so
 * every device knows which devices a folder goes to (docs/folders.md). The
 * folder on disk (checks, marker, the token `remove` leaves):
 * ../folder_root.ts; `folder add`, `join`, `list`, `move`, `status`,
 * `versions`, `override`: their own files here; what they share:
 * folder_args.ts, folder_scan_now.ts.
 */

import { ExitCode } from "../../errors.ts";
import { stoppedError } from "../folder_stopped.ts";
import { safeText } from "../../text_safety.ts";
import { plural } from "../../human.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { commitOps, openWrite, withRead, withWrite } from "../session.ts";
import { folderConflictsCommand, folderStatusCommand } from "./folder_status.ts";
import { folderRetentionCommand } from "./folder_retention.ts";
import { folderVersionsCommand } from "./folder_versions.ts";
import { folderRestoreCommand } from "./folder_restore.ts";
import { folderMoveCommand } from "./folder_move.ts";
import { folderOverrideCommand } from "./folder_override.ts";
import { folderAddCommand } from "./folder_add.ts";
import { folderJoinCommand } from "./folder_join.ts";
import { folderListCommand } from "./folder_list.ts";
import { afterRound } from "../round_wait.ts";
import { folderLabel, folderName } from "../../sync/folder_label.ts";
import { scanJson } from "../folder_json.ts";
import { writeLeftToken } from "../folder_root.ts";
import { checkFolderId, notSyncedHere } from "./folder_args.ts";
import { namingMeant } from "../folder_meant.ts";
import { scanLine, scanNow } from "./folder_scan_now.ts";

const REMOVE: CommandSpec = {
  path: ["folder", "remove"],
  summary: "stop syncing a folder on this device (deletes nothing)",
  description: "A sync round under way is waited for first (it may be writing the folder's\n" +
    "files); Ctrl-C while waiting exits 130 and changes nothing.",
  args: [{ name: "ID", help: "folder id" }],
  flags: [JSON_FLAG],
  ...WRITES,
  async run(ctx, input) {
    const id = checkFolderId(input.args.ID as string);
    // A round under way would go on writing the folder's files after the leave.
    const synced = await withRead(ctx, (home) => home.folderLocal.folder(id) !== undefined);
    using guard = synced ? await afterRound(ctx, "remove folder", id) : undefined;
    const { root, keepDays, label, name } = await withWrite(ctx, async (w, home) => {
      const local = w.folderLocal.folder(id);
      if (local === undefined) {
        throw notSyncedHere(id, "remove folder");
      }
      await commitOps(w, [{ type: "folder.leave", folder: id }]);
      w.folderLocal.leaveFolder(id, await writeLeftToken(local.root, id));
      // Its own settings wait for a join again (held deletions are got back
      // that way: it must not fall back to the default retention).
      const { [id]: _old, ...others } = home.local.get("leftSettings") ?? {};
      const keepDays = local.info.keepDays;
      const left = keepDays === undefined ? others : { ...others, [id]: { keepDays } };
      w.setLocal("leftSettings", Object.keys(left).length > 0 ? left : undefined);
      return {
        root: local.root,
        keepDays,
        label: folderLabel(home, id),
        name: folderName(home, id) ?? id,
      };
    }, { create: false, committed: () => guard?.release() });
    // The name too, as `folder add --json` gives it and the line below says it.
    if (input.flags.json) ctx.out.json({ id, name, path: root });
    else {
      // "docs (2p547-v4hbr)", as `folder add` and the round's lines name it.
      ctx.out.line(`Stopped syncing ${label} here; its files stay in ${safeText(root)}.`);
      if (keepDays !== undefined) {
        const kept = keepDays === 0
          ? "keeps no replaced or deleted files"
          : `keeps replaced and deleted files ${plural(keepDays, "day")}`;
        ctx.out.line(`Joined here again, it ${kept}, as now (--keep-days on the join changes it).`);
      }
    }
    return ExitCode.ok;
  },
};

const SCAN: CommandSpec = {
  path: ["folder", "scan"],
  summary: "scan folders now and publish their changes (sync now does this too)",
  description: "A scan that would delete more than half of a folder's files asks first on a\n" +
    "terminal; elsewhere the deletions are held until a scan with --yes. A file moved into\n" +
    "another folder synced here is no loss when that folder is scanned too (no ID). Ctrl-C\n" +
    "stops a scan at once and exits 130; every folder is read before any is recorded, and\n" +
    "nothing of what was read is; the next scan does it again.",
  args: [{ name: "ID", help: "only this folder", optional: true }],
  flags: [{ name: "yes", help: "let a mass deletion go out without asking" }, JSON_FLAG],
  ...LOCAL,
  exits: [...LOCAL.exits, 130],
  async run(ctx, input) {
    const id = input.args.ID === undefined ? undefined : checkFolderId(input.args.ID as string);
    const home = await openWrite(ctx);
    const known = id === undefined || home.folderLocal.folder(id) !== undefined;
    home.close();
    if (!known) {
      throw notSyncedHere(id!, "scan folder", "See `mycel folder list`.");
    }
    const reports = await scanNow(ctx, id, input.flags.yes === true);
    if (input.flags.json) {
      // Each folder's report on standard output; a stopped one also ends
      // the command with the JSON error on standard error, as `sync now --json`.
      ctx.out.json(reports.map(scanJson));
      if (reports.some((r) => r.stopped)) throw stoppedError(reports, "scan folder");
      return ExitCode.ok;
    }
    for (const r of reports) scanLine(ctx, r);
    return reports.some((r) => r.stopped) ? ExitCode.failure : ExitCode.ok;
  },
};

/** Every `folder` command. */
export const folderCommands: CommandSpec[] = [
  folderAddCommand,
  folderJoinCommand,
  folderListCommand,
  folderStatusCommand,
  REMOVE,
  folderMoveCommand,
  folderConflictsCommand,
  folderOverrideCommand,
  folderVersionsCommand,
  folderRestoreCommand,
  folderRetentionCommand,
  SCAN,
  // Given a folder's name or path as ID, they say its id (folder_meant.ts).
].map(namingMeant);
