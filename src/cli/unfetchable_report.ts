/**
 * @module unfetchable_report
 * What `sync now` says of a folder's files nobody can send
 * (src/sync/unfetchable.ts): those no device that syncs the folder has the
 * content of, and those whose maker no longer has it, by maker, each with
 * what ends the wait. They are not "still to come" (sync_folders_report.ts
 * leaves them out of that count): no later round gets them either.
 */

import { humanBytes, plural } from "../human.ts";
import type { UnfetchableFile } from "../sync/unfetchable.ts";
import { safeText } from "../text_safety.ts";
import type { CommandContext } from "./command.ts";

/** Bytes of `files` in all. */
export function sizeOf(files: readonly UnfetchableFile[]): number {
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

/** Print the files of `folder` nobody can send now (`unfetchable`), each kind with its way out. */
export function printUnfetchable(
  ctx: CommandContext,
  folder: string,
  unfetchable: readonly UnfetchableFile[],
  label = folder,
): void {
  const gone = unfetchable.filter((u) => !u.makerLacks);
  const goneBytes = sizeOf(gone);
  if (gone.length > 0) {
    const makers = [...new Set(gone.map((u) => safeText(u.maker)))].sort().join(", ");
    ctx.out.error(
      `folder ${label}: ${plural(gone.length, "file")} (${
        humanBytes(goneBytes)
      }) can't be fetched: no device that syncs the folder has their content (made by ${makers})`,
    );
    ctx.out.error(
      `  \`mycel folder override ${folder}\` makes what this disk holds the folder's version ` +
        `(add --missing for those this device never had; --dry-run lists them first; ` +
        `\`mycel folder status ${folder}\` says which devices wait)`,
    );
  }
  for (const [maker, files] of byMaker(unfetchable.filter((u) => u.makerLacks))) {
    const one = files.length === 1;
    ctx.out.error(
      `folder ${label}: ${plural(files.length, "file")} (${humanBytes(sizeOf(files))}) can't be ` +
        `fetched now: ${maker}, which made ${one ? "it" : "them"}, no longer has that content`,
    );
    ctx.out.error(
      `  if ${maker} changed ${one ? "it" : "them"} since, ${maker}'s next scan sends the new ` +
        `version; if ${maker} lost ${one ? "it" : "them"}, \`mycel folder override ${folder}\` ` +
        `on ${maker} ends the wait`,
    );
  }
}
