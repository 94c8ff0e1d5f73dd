/**
 * @module moved_source
 * Where `folder restore` takes a version noted "now at b.txt" from
 * (src/sync/moved_kept.ts): a checked copy of b.txt (moved_kept_stage.ts),
 * a temporary file the caller removes; else, when b.txt holds other content
 * now, a kept copy of b.txt that holds the noted content
 * (moved_kept_found.ts), put back as any kept copy is. Neither: the
 * refusal of the first, unchanged.
 */

import { isMycelError } from "../errors.ts";
import { lazyImport } from "../lazy_import.ts";
import type { MovedKeptNote } from "../sync/moved_kept.ts";
import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";

/** The noted content as a folder-relative path; `temporary`: the caller removes it. */
export interface MovedSource {
  readonly path: string;
  readonly temporary: boolean;
  /** What it was copied from, as `copied_from` says it: b.txt, or b.txt's kept copy. */
  readonly from: string;
}

/** Where the content of `note` (of folder `folder` at `root`) is put back from (see the module comment). */
export async function movedSource(
  ctx: CommandContext,
  folder: string,
  root: string,
  note: MovedKeptNote,
): Promise<MovedSource> {
  const { stageMovedContent } = await lazyImport<
    typeof import("../sync/moved_kept_stage.ts")
  >(new URL("../sync/moved_kept_stage.ts", import.meta.url));
  try {
    const path = await withRead(ctx, (home) => stageMovedContent(home, folder, root, note));
    return { path, temporary: true, from: note.at };
  } catch (e) {
    if (!isMycelError(e) || e.code !== "version_changed") throw e;
    const { keptCopyHolding } = await lazyImport<
      typeof import("../sync/moved_kept_found.ts")
    >(new URL("../sync/moved_kept_found.ts", import.meta.url));
    const kept = await withRead(ctx, (home) => keptCopyHolding(home, folder, root, note));
    if (kept === undefined) throw e;
    return { path: kept.path, temporary: false, from: kept.path };
  }
}
