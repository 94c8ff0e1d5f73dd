/**
 * @module folder_versions
 * `mycel folder versions PATH` lists the kept versions of a file (replaced
 * or deleted files are kept under `.mycel/versions/` for 30 days, or noted
 * "now at b.txt" when their content was at another path: listed_versions.ts),
 * newest first, numbered from 1 (`folder restore`, folder_restore.ts, puts one
 * back).
 */

import { ExitCode } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { humanBytes, localTime, plural } from "../../human.ts";
import { linkedReason, linkedTarget, locateFile } from "../folder_file.ts";
import { lazyImport } from "../../lazy_import.ts";
import { shellWord } from "../folder_root.ts";
import type { ListedVersion } from "../listed_versions.ts";
import { withRead } from "../session.ts";
import { folderLabel } from "../../sync/folder_label.ts";

/** A command line's argument as the user can paste it back (quoted, escaped). */
export function asWord(arg: unknown): string {
  return safeText(shellWord(String(arg)));
}

/** How a version is named in the list: its kept copy, or where its content is (or was). */
function movedText(v: ListedVersion): string {
  if (v.moved === undefined) return safeText(v.path);
  return v.moved.held
    ? `now at ${safeText(v.moved.at)} (same content)`
    : `was at ${safeText(v.moved.at)} (changed since; its own versions may hold it)`;
}

/** Files of a folder listed when `folder versions` is given a folder. */
const SHOWN = 20;

/** `folder versions`. */
export const folderVersionsCommand: CommandSpec = {
  path: ["folder", "versions"],
  summary: "list the kept versions of a file, newest first (kept 30 days by default)",
  args: [{
    name: "PATH",
    help: "a file in a synced folder (a folder, or the synced folder itself: the files under " +
      "it with kept versions)",
    complete: "file",
  }],
  flags: [
    {
      name: "files",
      help: "list the files under PATH with kept versions and how many each (--json: an object " +
        "with `files`, where PATH's own versions are an array)",
    },
    JSON_FLAG,
  ],
  examples: [
    "mycel folder versions ~/Documents/report.pdf",
    "mycel folder versions ~/Documents/old --files --json",
  ],
  ...LOCAL,
  async run(ctx, input) {
    // The root too: it is a folder like any in it (it was refused, "not a
    // file in it", while a folder in it listed its files).
    const { folder, root, rel, linked } = await locateFile(ctx, input.args.PATH as string, {
      root: true,
    });
    if (input.flags.files) {
      const { printKeptFiles } = await lazyImport<typeof import("../kept_files.ts")>(
        new URL("../kept_files.ts", import.meta.url),
      );
      await printKeptFiles(ctx, folder, root, rel, input.flags.json === true);
      return ExitCode.ok;
    }
    const { listedVersions } = await lazyImport<typeof import("../listed_versions.ts")>(
      new URL("../listed_versions.ts", import.meta.url),
    );
    const list = rel === "" ? [] : await listedVersions(ctx, folder, root, rel);
    if (input.flags.json) {
      ctx.out.json(
        list.map((v, i) => ({
          version: i + 1,
          kept: new Date(v.keptAt).toISOString(),
          size: v.size,
          // A version dropped for its content being at another path: that path.
          path: v.path,
          link: v.link,
          now_at: v.moved?.at ?? null,
          // Whether now_at seems to hold it still (as the last scan saw it); null for a kept copy.
          still_there: v.moved?.held ?? null,
        })),
      );
      return ExitCode.ok;
    }
    if (linked !== undefined) {
      // The shell reaches what the link leads to; these are not its versions.
      ctx.out.error(
        `${safeText(linkedReason(linked))}: mycel syncs it as a link and never follows it, ` +
          `so ${safeText(rel)} is the path in the folder, not the file the link leads to.`,
      );
      const target = linkedTarget(root, rel, linked);
      if (target !== undefined) {
        ctx.out.error(`For the file it leads to: mycel folder versions ${asWord(target)}`);
      }
    }
    if (list.length === 0) {
      if (rel !== "") ctx.out.error(`No kept versions of ${safeText(rel)}.`);
      // Named as every other line names a folder, "photos (2p547-v4hbr)".
      const label = await withRead(ctx, (home) => folderLabel(home, folder));
      // A folder (a deleted one, say): point at the files it kept versions of.
      const { MAX_LISTED } = await lazyImport<typeof import("../../files/versions_under.ts")>(
        new URL("../../files/versions_under.ts", import.meta.url),
      );
      const { listedFilesUnder } = await lazyImport<typeof import("../listed_under.ts")>(
        new URL("../listed_under.ts", import.meta.url),
      );
      const { files: under, partial } = await listedFilesUnder(ctx, folder, root, rel);
      if (under.size > 0) {
        const most = partial
          ? `at least ${plural(under.size, "file")} (the first ${MAX_LISTED} kept copies read)`
          : plural(under.size, "file");
        ctx.out.error(
          rel === ""
            ? `Folder ${label} has kept versions of ${most}:`
            : `It is a folder with kept versions of ${most}:`,
        );
        for (const [path, n] of [...under].slice(0, SHOWN)) {
          ctx.out.error(`  ${safeText(path)} (${plural(n, "version")})`);
        }
        if (under.size > SHOWN) ctx.out.error(`  … and ${under.size - SHOWN} more`);
        ctx.out.error(
          "See one file's with `mycel folder versions PATH`; all of them, or as JSON, with " +
            "--files.",
        );
      } else if (rel === "") ctx.out.error(`No kept versions in folder ${label}.`);
    }
    list.forEach((v, i) =>
      ctx.out.line(
        `${i + 1}  ${localTime(v.keptAt)}  ${humanBytes(v.size)}  ${movedText(v)}`,
      )
    );
    // Where the cap on notes dropped older ones, this list may lack them: said, not hidden.
    const cut = await (await lazyImport<typeof import("../listed_under.ts")>(
      new URL("../listed_under.ts", import.meta.url),
    )).notesCutLine(ctx, folder);
    if (cut !== undefined) ctx.out.error(cut);
    return ExitCode.ok;
  },
};
