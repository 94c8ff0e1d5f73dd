/**
 * @module kept_files
 * `mycel folder versions PATH --files`: the files under PATH (a folder in a
 * synced folder, a deleted one say, or the synced folder itself) that have
 * kept versions, each with how many — all of them on standard output, and
 * as JSON an object (`folder`, `path`, `files`: `path` and `versions` each,
 * `partial`). A flag of its own because `folder versions PATH --json` is an
 * array of PATH's own versions, `[]` for a folder, and scripts read it as
 * one (commit 727fd60 kept it so): an object there, only for a folder,
 * would break them, and a path can be both a folder now and a file with
 * kept versions of its own (issue 13).
 */

import { plural } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";
import { safeText } from "../text_safety.ts";
import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";
import { folderLabel } from "../sync/folder_label.ts";

/** Print the files under `rel` ("" the root) of folder `folder` at `root` with kept versions. */
export async function printKeptFiles(
  ctx: CommandContext,
  folder: string,
  root: string,
  rel: string,
  json: boolean,
): Promise<void> {
  const { MAX_LISTED } = await lazyImport<typeof import("../files/versions_under.ts")>(
    new URL("../files/versions_under.ts", import.meta.url),
  );
  const { listedFilesUnder, notesCutLine } = await lazyImport<
    typeof import("./listed_under.ts")
  >(new URL("./listed_under.ts", import.meta.url));
  // Kept copies and "now at" notes, counted as `folder versions FILE` numbers them.
  const { files, partial } = await listedFilesUnder(ctx, folder, root, rel);
  if (json) {
    ctx.out.json({
      folder,
      path: rel,
      files: [...files].map(([path, versions]) => ({ path, versions })),
      partial,
    });
    return;
  }
  for (const [path, n] of files) ctx.out.line(`${safeText(path)}  ${plural(n, "version")}`);
  if (files.size === 0) {
    ctx.out.error(
      rel === ""
        ? `No kept versions in folder ${await withRead(ctx, (home) => folderLabel(home, folder))}.`
        : `No kept versions under ${safeText(rel)}.`,
    );
  }
  if (partial) ctx.out.error(`(the first ${MAX_LISTED} kept copies read: there may be more)`);
  const cut = await notesCutLine(ctx, folder);
  if (cut !== undefined) ctx.out.error(cut);
}
