/**
 * @module listed_under
 * The files under a folder of a synced folder that `folder versions FILE`
 * would list versions of, and how many each: those with kept copies under
 * `.mycel/versions` (versions_under.ts) and those with "now at" notes (a
 * kept copy dropped for its content being at another path,
 * src/sync/moved_kept.ts), counted together as listed_versions.ts numbers
 * them. What `folder versions DIR`, `--files` and `folder restore DIR` go
 * by: before, only kept copies, so a file whose only version was a note was
 * left out of all three, and `folder restore DIR` did not bring it back
 * (issue 13). Also what they say when the cap on notes dropped older ones.
 */

import { localTime, plural } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";
import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";

/** Files under `rel` ("" the root) with listed versions, by path, and whether the kept copies read stopped early. */
export async function listedFilesUnder(
  ctx: CommandContext,
  folder: string,
  root: string,
  rel: string,
): Promise<{ files: Map<string, number>; partial: boolean }> {
  const { keptFilesUnder } = await lazyImport<typeof import("../files/versions_under.ts")>(
    new URL("../files/versions_under.ts", import.meta.url),
  );
  const { movedNotesUnder } = await lazyImport<typeof import("../sync/moved_kept.ts")>(
    new URL("../sync/moved_kept.ts", import.meta.url),
  );
  const { files, partial } = await keptFilesUnder(root, rel);
  const notes = await withRead(ctx, (home) => movedNotesUnder(home, folder, rel));
  if (notes.length === 0) return { files, partial };
  for (const n of notes) files.set(n.path, (files.get(n.path) ?? 0) + 1);
  const sorted = new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { files: sorted, partial };
}

/**
 * A line saying that the cap on notes dropped older ones of `folder`
 * (moved_kept.ts `movedNotesCut`), or undefined when it dropped none still
 * within the retention.
 */
export async function notesCutLine(
  ctx: CommandContext,
  folder: string,
): Promise<string | undefined> {
  const { movedNotesCut, MAX_NOTES } = await lazyImport<typeof import("../sync/moved_kept.ts")>(
    new URL("../sync/moved_kept.ts", import.meta.url),
  );
  const cut = await withRead(ctx, (home) => movedNotesCut(home, folder));
  if (cut === undefined) return undefined;
  // Which paths they were is not kept: said of the folder, for any list of it.
  return `Some versions may be missing: this folder keeps where the content of the newest ` +
    `${MAX_NOTES.toLocaleString("en-US")} versions moved to another path went, and dropped ` +
    `${plural(cut.count, "older one")} (kept ${localTime(cut.newest)} or before).`;
}
