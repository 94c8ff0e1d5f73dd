/**
 * @module service_owner
 * Before system units start running a user's home as that user
 * (`service install --system`, units.ts `user`), give back to the user what
 * root-run rounds made in the home's folders: system units ran `sync now`
 * as root before, and so does `sudo mycel sync now`, and each folder (and
 * file) they made there was root's, so the user's rounds could no longer
 * write into them ("this user may not write into sub"). Only folders whose
 * root is that user's are walked, and nothing is followed through a link
 * (storage/home_owner.ts).
 */

import type { CommandContext } from "./command.ts";
import { withRead } from "./session.ts";
import { lazyImport } from "../lazy_import.ts";

/** Hand back root's files in the folders of the home that belong to `owner`; says what it did. */
export async function giveFoldersBack(ctx: CommandContext, owner: number): Promise<void> {
  const roots = await withRead(ctx, (home) => home.folderLocal.folders().map((f) => f.root));
  if (roots.length === 0) return;
  const { restoreTreeOwner } = await lazyImport<typeof import("../storage/home_owner.ts")>(
    new URL("../storage/home_owner.ts", import.meta.url),
  );
  for (const root of roots) {
    const uid = (await Deno.lstat(root).catch(() => undefined))?.uid;
    if (uid !== owner) continue; // not the user's: the units could not write it anyway
    const r = await restoreTreeOwner(root);
    if (r.given > 0) {
      ctx.out.error(
        `gave ${r.given} files and folders root had made in ${root} back to uid ${owner}, ` +
          "whose units now sync it",
      );
    }
    if (r.note) ctx.out.error(`note: ${r.note}`);
  }
}
