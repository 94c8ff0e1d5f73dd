/**
 * @module folder_add
 * `mycel folder add`: share a folder with the mesh. The place is checked
 * before anything is written, then the marker is written, the share, this
 * device's join and the folder's chunking key go out in one signed entry,
 * and the folder is scanned. Apart from `folder join` (folder_join.ts) and
 * the other folder commands (folder.ts) because making a folder — its id,
 * its name, its key — happens here only.
 */

import { basename, resolve } from "node:path";
import { ExitCode, MycelError, withHint } from "../../errors.ts";
import { checkName } from "../../log/ops.ts";
import { newChunkKeyOp } from "../../files/chunk_key.ts";
import { stateSecret } from "../../mesh/discovery_key.ts";
import { labelOf } from "../../sync/folder_label.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { commitOps, withWrite } from "../session.ts";
import { checkFolderPlace, checkPathArg, plannedRealPath } from "../folder_place.ts";
import { scanJson } from "../folder_json.ts";
import { dropLeftToken, prepareRoot } from "../folder_root.ts";
import {
  checkFolderId,
  KEEP_DAYS,
  keepInfo,
  newFolderId,
  readPath,
  realHome,
} from "./folder_args.ts";
import { scanLine, scanNow } from "./folder_scan_now.ts";
import { foreignIgnoreLines } from "../foreign_ignore.ts";

/** `mycel folder add`. */
export const folderAddCommand: CommandSpec = {
  path: ["folder", "add"],
  summary: "share a folder with the mesh (devices that join it get its files)",
  description: "Writes the marker `.mycel-folder` into the folder (without it the folder is\n" +
    "stopped: an unmounted disk never reads as 'everything deleted'), shares it, scans it.\n" +
    "Other devices see it in `mycel folder list` and join with `mycel folder join ID PATH`.\n" +
    "Ctrl-C stops the scan at once and exits 130: the folder stays shared, and its files\n" +
    "go out with the next scan.",
  args: [{ name: "PATH", help: "the folder", complete: "dir" }],
  flags: [
    {
      name: "id",
      value: "ID",
      help: "folder id (default: a random one); a device that shares another folder under " +
        "the same id before hearing of this one makes the two one folder (files merged)",
    },
    { name: "name", value: "NAME", help: "a name to show (default: the folder's name)" },
    KEEP_DAYS,
    JSON_FLAG,
  ],
  examples: ["mycel folder add ~/Documents", "mycel folder add ~/Music --id music"],
  ...WRITES,
  async run(ctx, input) {
    const id = checkFolderId((input.flags.id as string | undefined) ?? newFolderId());
    // Every argument is checked before anything is written (the marker included).
    const info = keepInfo(input.flags);
    const path = input.args.PATH as string;
    checkPathArg("share folder", path);
    const given = input.flags.name as string | undefined;
    const name = given !== undefined
      ? checkName("folder name", given)
      : namedAfterPath(basename(resolve(path)) || id);
    const addedAt = await withWrite(ctx, async (w, home) => {
      const here = w.folderLocal.folder(id);
      if (here !== undefined) {
        // Shared from here already (a `folder add` stopped in its scan, run
        // again): "Join it" was advice that join then refuses.
        throw new MycelError(
          "already_shared",
          "share folder",
          `this device shares it already, at ${safeText(here.root)}`,
          {
            value: id,
            hint: `Its files go out with the next scan: \`mycel folder scan ${id}\` (or ` +
              "`mycel sync now`). To share another folder, pick another --id.",
            exit: ExitCode.usage,
          },
        );
      }
      if (w.view.folders().share(id) !== undefined) {
        throw new MycelError(
          "already_shared",
          "share folder",
          "a folder with this id is already shared",
          {
            value: id,
            hint: `Join it with \`mycel folder join ${id} PATH\`, or pick another --id.`,
            exit: ExitCode.usage,
          },
        );
      }
      // Before anything is written (the marker included).
      checkFolderPlace(
        "share folder",
        plannedRealPath(path, "share folder"),
        realHome(ctx),
        w.folderLocal.folders(),
      );
      const root = await prepareRoot(path, false, id);
      // Its chunking key in the same entry: no device ever sees the folder without it.
      // From the mesh's secret: a device sharing the same id unawares derives the same.
      await commitOps(w, [
        { type: "folder.share", folder: id, name },
        { type: "folder.join", folder: id },
        newChunkKeyOp(id, w.view, stateSecret(w.view)),
      ]);
      w.folderLocal.takeLeftIndex(id, "", undefined); // a new folder: no old index applies
      w.folderLocal.putFolder({ folder: id, root, added: home.now(), info });
      return root;
    }, { signs: true }); // the folder and its marker are made before the commit
    await dropLeftToken(addedAt); // another folder's, left here before (once committed, as join)
    if (!input.flags.json) { for (const line of foreignIgnoreLines(addedAt)) ctx.out.error(line); }
    // Said before the scan: a Ctrl-C in it left only "Cannot scan folder: it
    // was interrupted", and the user, told nothing of the share, ran
    // `folder add` again.
    if (!input.flags.json) ctx.out.line(`Shared folder ${labelOf(id, name)}.`);
    const [report] = await scanNow(ctx, id, false);
    if (input.flags.json) {
      ctx.out.json({ id, name, path: await readPath(ctx, id), scan: report && scanJson(report) });
    } else {
      if (report) scanLine(ctx, report);
      ctx.out.line(`On another device: mycel folder join ${id} PATH`);
    }
    return ExitCode.ok;
  },
};

/**
 * The name to show taken from the folder's own name: a name mycel can't
 * show (a control character, a space at either end, too long) is refused
 * with how to give another — the user typed no name, and the error alone
 * left them guessing how to share such a folder at all.
 */
function namedAfterPath(base: string): string {
  try {
    return checkName("folder name", base);
  } catch (e) {
    throw withHint(
      e,
      "The name to show comes from the folder's own name unless given: give one with --name NAME.",
    );
  }
}
