/**
 * @module listed_under
 * What `folder versions` says when the cap on "now at" notes
 * (src/sync/moved_kept.ts) dropped older ones of a folder: its list may
 * lack them, and is not to look complete.
 */

import { localTime, plural } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";
import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";

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
  return `Not listed: ${plural(cut.count, "older version")} whose content had moved to ` +
    `another path (this folder keeps where the newest ${MAX_NOTES.toLocaleString("en-US")} ` +
    `went; the dropped ones were kept ${localTime(cut.newest)} or before).`;
}
