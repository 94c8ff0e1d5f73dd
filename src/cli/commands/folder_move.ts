/**
 * @module folder_move
 * `mycel folder move ID PATH`: the user moved a synced folder (`mv`, a new
 * mount point, a renamed drive) and tells mycel where it is now. Only this
 * device's record of the folder changes — where a folder lies is local, so
 * nothing is published. The index moves with it: on the same disk a rename
 * keeps every file's inode and ctime, so the next scan reads nothing; from
 * another disk the files are read again, and unchanged contents publish and
 * fetch nothing. Before, the way was `folder remove` then `folder join`,
 * which re-read every file and published a leave and a join.
 *
 * PATH must be the folder itself: a real folder (not a link), holding the
 * marker `.mycel-folder`, which moves with it. A marker naming another
 * folder, a path another folder syncs at, or no marker at all is refused and
 * changes nothing (files moved without the folder would otherwise read as
 * new, and a wrong folder would have its files published as this one's).
 */

import { resolve } from "node:path";
import { ExitCode, MycelError } from "../../errors.ts";
import { MARKER_NAME } from "../../files/folder_layout.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { withWrite } from "../session.ts";
import {
  checkFolderPlace,
  checkPathArg,
  folderPathError,
  undecodedPathError,
} from "../folder_place.ts";
import { markerFolder } from "../../files/folder_marker.ts";
import { checkFolderId, notSyncedHere, realHome } from "./folder_args.ts";
import { scanLine, scanNow } from "./folder_scan_now.ts";
import { shellWord } from "../folder_root.ts";
import { scanJson } from "../folder_json.ts";
import { withoutPathLists } from "../../storage/folder_info.ts";
import { folderLabel, folderName } from "../../sync/folder_label.ts";

const ACTION = "move folder";

/**
 * The real path of the folder at `path`, checked to be `id`'s (see the
 * module comment); `syncedAt` names a folder already synced at a real path.
 */
async function movedRoot(
  path: string,
  id: string,
  syncedAt: (root: string) => string | undefined,
): Promise<string> {
  const abs = resolve(path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(abs);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw folderPathError(ACTION, abs, e);
    throw undecodedPathError(ACTION, abs) ??
      new MycelError("bad_folder", ACTION, "it does not exist", {
        value: abs,
        hint: "Move the folder there first (mv OLD NEW), then run this again.",
        exit: ExitCode.usage,
      });
  }
  if (info.isSymlink) {
    const target = await Deno.realPath(abs).catch(() => undefined);
    throw new MycelError("bad_folder", ACTION, "it is a symbolic link", {
      value: abs,
      hint: target === undefined
        ? undefined
        : `Use the folder it points to: mycel folder move ${id} ${shellWord(target)}`,
      exit: ExitCode.usage,
    });
  }
  if (!info.isDirectory) {
    throw new MycelError("bad_folder", ACTION, "it is not a folder", {
      value: abs,
      exit: ExitCode.usage,
    });
  }
  const real = await Deno.realPath(abs);
  const clash = syncedAt(real);
  if (clash !== undefined && clash !== id) {
    throw new MycelError("already_shared", ACTION, "another folder is synced there", {
      value: `${real} (${clash})`,
      hint: "One place syncs one folder: give the path the folder moved to.",
      exit: ExitCode.usage,
    });
  }
  let marker: Uint8Array;
  try {
    // Small or not a file at all (a user's `mkdir`): only its presence is required.
    const m = await Deno.lstat(`${real}/${MARKER_NAME}`);
    marker = m.isFile && m.size <= 4096
      ? await Deno.readFile(`${real}/${MARKER_NAME}`)
      : new Uint8Array();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    throw new MycelError(
      "bad_folder",
      ACTION,
      `it holds no folder marker ${MARKER_NAME}, so it is not the folder that moved`,
      {
        value: real,
        hint: "The marker moves with the folder (move the folder itself, not its contents). " +
          `To sync what is there as the folder anyway: \`mycel folder remove ${id}\`, then ` +
          `\`mycel folder join ${id} ${shellWord(real)}\` (files already there are kept).`,
        exit: ExitCode.usage,
      },
    );
  }
  const named = markerFolder(new TextDecoder().decode(marker));
  if (named !== undefined && named !== id) {
    throw new MycelError("bad_folder", ACTION, `its marker names another folder (${named})`, {
      value: real,
      hint: "Check the path: this is where another folder was synced.",
      exit: ExitCode.usage,
    });
  }
  return real;
}

/** `folder move`. */
export const folderMoveCommand: CommandSpec = {
  path: ["folder", "move"],
  summary: "tell mycel a synced folder moved (after mv): nothing is fetched again",
  description: "Run it after moving the folder yourself. PATH must be the folder, holding its\n" +
    "marker .mycel-folder. Only this device's record changes; nothing is published.\n" +
    "On the same disk no file is read again; from another disk files are read again,\n" +
    "but unchanged contents are neither published nor fetched. Ctrl-C during that scan\n" +
    "exits 130: the move is recorded, and the next scan finishes the rest.",
  args: [
    { name: "ID", help: "folder id (see `mycel folder list`)" },
    { name: "PATH", help: "where the folder is now", complete: "dir" },
  ],
  flags: [JSON_FLAG],
  examples: [
    // Two lines: one of 89 characters was wrapped in two by help, and pasted broken.
    "mv ~/Documents /mnt/data/Documents",
    "mycel folder move abcde-fgh23 /mnt/data/Documents",
  ],
  ...WRITES,
  async run(ctx: CommandContext, input) {
    const id = checkFolderId(input.args.ID as string);
    const path = input.args.PATH as string;
    checkPathArg(ACTION, path);
    const { was, root, label, name } = await withWrite(ctx, async (w, home) => {
      const local = w.folderLocal.folder(id);
      if (local === undefined) {
        throw notSyncedHere(
          id,
          ACTION,
          "See `mycel folder list`; a folder not synced here is joined with " +
            "`mycel folder join ID PATH`.",
        );
      }
      const root = await movedRoot(
        path,
        id,
        (real) => w.folderLocal.folders().find((f) => f.root === real)?.folder,
      );
      const label = folderLabel(home, id);
      const name = folderName(home, id) ?? id;
      if (root === local.root) return { was: local.root, root, label, name };
      checkFolderPlace(ACTION, root, realHome(ctx), w.folderLocal.folders(), id);
      // Facts about the old place go: why it stopped, its lists, its disk's probes.
      const info = { ...withoutPathLists(local.info), stopped: undefined, fs: undefined };
      w.folderLocal.putFolder({ ...local, root, info });
      return { was: local.root, root, label, name };
    }, { create: false });
    const [report] = await scanNow(ctx, id, false);
    if (input.flags.json) {
      ctx.out.json({
        id,
        name,
        path: root,
        was,
        moved: root !== was,
        scan: report ? scanJson(report) : null,
      });
      return report?.stopped ? ExitCode.failure : ExitCode.ok;
    }
    ctx.out.line(
      root === was
        ? `Folder ${label} is already synced at ${safeText(root)}; nothing changed.`
        : `Folder ${label} now syncs at ${safeText(root)} (was ${safeText(was)}).`,
    );
    if (report) scanLine(ctx, report);
    return report?.stopped ? ExitCode.failure : ExitCode.ok;
  },
};
