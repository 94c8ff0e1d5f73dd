/**
 * @module folder_join
 * `mycel folder join`: sync a folder another device shared, into a path
 * here (made if missing; files already there are kept and synced). The
 * place is checked before anything is written; a former join's index is
 * taken back through the token `folder remove` left (folder_root.ts).
 * Apart from `folder add` (folder_add.ts) because joining is where a
 * folder meets files already on this device and an index kept from before.
 * What it says after its scan is what this device's disk lacks of the
 * folder, as `folder status` counts it: joined again where it was left, the
 * files are usually all here (it said "its files arrive" regardless).
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { humanBytes, plural } from "../../human.ts";
import { lazyImport } from "../../lazy_import.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { commitOps, withRead, withWrite } from "../session.ts";
import { checkFolderPlace, checkPathArg, plannedRealPath } from "../folder_place.ts";
import { scanJson } from "../folder_json.ts";
import { dropLeftToken, leftToken, prepareRoot } from "../folder_root.ts";
import { checkFolderId, KEEP_DAYS, keepInfo, readPath, realHome } from "./folder_args.ts";
import { scanLine, scanNow } from "./folder_scan_now.ts";
import { foreignIgnoreLines } from "../foreign_ignore.ts";
import { folderLabel, folderName, labelOf } from "../../sync/folder_label.ts";

/** `mycel folder join`. */
export const folderJoinCommand: CommandSpec = {
  path: ["folder", "join"],
  summary: "sync a folder another device shared, into PATH",
  description: "PATH is made if missing. Files already in it are kept and synced (a file\n" +
    "that differs from the folder's is a conflict: both are kept). Ctrl-C stops its scan\n" +
    "at once and exits 130: the folder stays joined, and the next scan publishes it.",
  args: [
    { name: "ID", help: "folder id (see `mycel folder list`)" },
    { name: "PATH", help: "where it goes on this device", complete: "dir" },
  ],
  flags: [{
    ...KEEP_DAYS,
    // A remove and join is how held deletions come back: the retention stays.
    help: "keep replaced and deleted files this many days in .mycel/versions (default 30, " +
      "or what it had when it was removed here)",
  }, JSON_FLAG],
  examples: ["mycel folder join abcde-fgh23 ~/Documents"],
  ...WRITES,
  async run(ctx, input) {
    const id = checkFolderId(input.args.ID as string);
    // Checked before the folder is made or anything is written.
    const info = keepInfo(input.flags);
    checkPathArg("join folder", input.args.PATH as string);
    const joinedAt = await withWrite(ctx, async (w, home) => {
      if (w.view.folders().share(id) === undefined) {
        throw new MycelError(
          "unknown_folder",
          "join folder",
          "no folder with this id is shared in the mesh",
          {
            value: id,
            hint: "Run `mycel sync now` to hear of new folders, then `mycel folder list`.",
            exit: ExitCode.usage,
          },
        );
      }
      if (w.folderLocal.folder(id) !== undefined) {
        throw new MycelError("already_joined", "join folder", "this device already syncs it", {
          value: `${id} at ${w.folderLocal.folder(id)!.root}`,
          hint: `If you moved it: \`mycel folder move ${id} NEWPATH\`. To sync it somewhere ` +
            `else: \`mycel folder remove ${id}\`, then join again (files already there are kept).`,
          exit: ExitCode.usage,
        });
      }
      const path = input.args.PATH as string;
      // Before the folder is made or its marker written.
      checkFolderPlace(
        "join folder",
        plannedRealPath(path, "join folder"),
        realHome(ctx),
        w.folderLocal.folders(),
      );
      const token = await leftToken(plannedRealPath(path, "join folder"), id);
      const root = await prepareRoot(path, true, id);
      await commitOps(w, [{ type: "folder.join", folder: id }]);
      const rejoined = w.folderLocal.takeLeftIndex(id, root, token);
      // What it had when it was removed here, unless named anew (folder.ts REMOVE).
      const { [id]: before, ...others } = home.local.get("leftSettings") ?? {};
      if (before !== undefined) {
        w.setLocal("leftSettings", Object.keys(others).length > 0 ? others : undefined);
      }
      const settings = { ...before, ...info };
      w.folderLocal.putFolder({
        folder: id,
        root,
        added: home.now(),
        info: rejoined ? { ...settings, rejoined } : settings,
      });
      return root;
    }, { create: false, signs: true }); // the folder and its marker are made before the commit
    // Only once the join is committed: a join cut short before must find the
    // token again, or the next join starts without the index it kept.
    await dropLeftToken(joinedAt);
    if (!input.flags.json) { for (const line of foreignIgnoreLines(joinedAt)) ctx.out.error(line); }
    const [report] = await scanNow(ctx, id, false);
    if (input.flags.json) {
      // Shaped as `folder add --json`: the name the line below gives, and a
      // scan that is null, not left out, when there was none (`folder move`).
      ctx.out.json({
        id,
        name: await withRead(ctx, (home) => folderName(home, id) ?? id),
        path: await readPath(ctx, id),
        scan: report ? scanJson(report) : null,
      });
    } else {
      ctx.out.line(
        report && !report.stopped
          ? await joinedLine(ctx, id)
          : `Joined folder ${await withRead(ctx, (home) => folderLabel(home, id))}; ` +
            "its files arrive with the next `mycel sync now`.",
      );
      if (report) scanLine(ctx, report);
    }
    return ExitCode.ok;
  },
};

/**
 * "Joined …" with what is true after the join's scan: how many of the
 * folder's files this device still lacks (this device's standing, as
 * `folder status` measures it against the state known here). Files the
 * ignore rules here match are counted apart, "1 more file is ignored here":
 * the scan line under it counts the files it synced, and before, "its 4
 * files are here already" stood over "docs: 3 files" with nothing on why.
 */
async function joinedLine(ctx: CommandContext, id: string): Promise<string> {
  const { folderStatus } = await lazyImport<typeof import("../folder_view.ts")>(
    new URL("../folder_view.ts", import.meta.url),
  );
  const { ignoredIn } = await lazyImport<typeof import("./folder_status.ts")>(
    new URL("./folder_status.ts", import.meta.url),
  );
  const { winners } = await lazyImport<typeof import("../folder_winners.ts")>(
    new URL("../folder_winners.ts", import.meta.url),
  );
  const { s, ignoredHere } = await withRead(ctx, async (home) => {
    const ignored = await ignoredIn(home.folderLocal.folder(id)?.root);
    let ignoredHere = 0;
    for (const w of winners(home.view.folders(), id)) {
      if (w.version.kind !== "deleted" && ignored(w.path)) ignoredHere++;
    }
    return { s: folderStatus(home, id, ignored), ignoredHere };
  });
  const me = s.devices.find((d) => d.self);
  // "docs (2p547-v4hbr)": the line under it (the scan's) names it so too.
  const label = labelOf(id, s.name);
  const files = s.files - ignoredHere;
  const lacks = me?.behindFiles ?? files;
  const next = "the next `mycel sync now`";
  const rules = "(.mycelignore, .mycel/ignore)";
  const apart = ignoredHere === 0
    ? ""
    : `; ${plural(ignoredHere, "more file")} ${
      ignoredHere === 1 ? "is" : "are"
    } ignored here ${rules}`;
  if (lacks > 0) {
    const what = `${lacks === files ? "its" : `${lacks} of its`} ${plural(files, "file")}` +
      (me !== undefined && me.behindBytes > 0 ? ` (${humanBytes(me.behindBytes)})` : "");
    return `Joined folder ${label}; ${what} ${
      lacks === 1 ? "arrives" : "arrive"
    } with ${next}${apart}.`;
  }
  if (files === 0 && ignoredHere > 0) {
    return `Joined folder ${label}; ${
      ignoredHere === 1 ? "its 1 file is" : `its ${ignoredHere} files are`
    } ignored here ${rules} (${next} checks for new ones).`;
  }
  if (files === 0) {
    return `Joined folder ${label}; it has no files yet (${next} checks for new ones).`;
  }
  return `Joined folder ${label}; ${
    files === 1
      ? `its 1 file is here already (${next} checks it)`
      : `its ${files} files are here already (${next} checks them)`
  }${apart}.`;
}
