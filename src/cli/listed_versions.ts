/**
 * @module listed_versions
 * What `folder versions PATH` lists and `folder restore --version N`
 * counts: the kept copies under `.mycel/versions`, and the kept versions a
 * round dropped because their content was at another path after it (a
 * swap made elsewhere: "now at b.txt", src/sync/moved_kept.ts), in one
 * list, newest first — so a version's number is the same in both commands.
 */

import type { KeptVersion } from "../files/versions.ts";
import type { MovedKeptNote } from "../sync/moved_kept.ts";
import { lazyImport } from "../lazy_import.ts";
import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";

/** One listed version: a kept copy, or (`moved`) a note of where its content was. */
export type ListedVersion = KeptVersion & {
  readonly moved?: MovedKeptNote & {
    /** Its path seems to hold it still, as the last scan saw it (moved_kept.ts `seemsHeld`). */
    readonly held: boolean;
  };
};

/** The versions of `rel` in folder `folder` (at `root`), newest first. */
export async function listedVersions(
  ctx: CommandContext,
  folder: string,
  root: string,
  rel: string,
): Promise<ListedVersion[]> {
  const { listVersions } = await lazyImport<typeof import("../files/versions.ts")>(
    new URL("../files/versions.ts", import.meta.url),
  );
  const { movedNotesOf, seemsHeld } = await lazyImport<typeof import("../sync/moved_kept.ts")>(
    new URL("../sync/moved_kept.ts", import.meta.url),
  );
  const kept: ListedVersion[] = await listVersions(root, rel);
  const notes = await withRead(
    ctx,
    (home) =>
      movedNotesOf(home, folder, rel).map((n) => ({
        ...n,
        held: seemsHeld(home, folder, root, n),
      })),
  );
  if (notes.length === 0) return kept;
  const moved: ListedVersion[] = notes.map((n) => ({
    path: n.at,
    keptAt: n.kept,
    size: n.size,
    link: false,
    moved: n,
  }));
  // Stable: at one time, kept copies before notes, as the notes were added after.
  return [...kept, ...moved].sort((a, b) => b.keptAt - a.keptAt);
}
