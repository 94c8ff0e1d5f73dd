/**
 * @module new_offers
 * Folders another device shared that this one heard of in a `sync now`
 * round: the round says so once, with who shared each and the command that
 * joins it. Before, nothing said it: a folder shared on the laptop was
 * found on the desktop only by running `folder list`.
 */

import type { Home } from "../storage/home_handle.ts";
import { safeText } from "../text_safety.ts";
import { labelOf } from "../sync/folder_label.ts";

/** A folder offered here (shared in the mesh, not synced on this device). */
export interface Offer {
  readonly id: string;
  readonly name: string;
  /** Name of the device that shared it (its short id when unknown). */
  readonly by: string;
}

/** The folders shared in the mesh that this device does not sync, by id. */
export function offersIn(home: Home): Map<string, Offer> {
  const out = new Map<string, Offer>();
  for (const [id, s] of home.view.folders().shares()) {
    if (home.folderLocal.folder(id) !== undefined) continue;
    const m = [...home.view.members()].find((x) => x.record.key.hex === s.author);
    out.set(id, { id, name: s.name, by: m?.record.name ?? s.author.slice(0, 7) });
  }
  return out;
}

/**
 * The line a round gives for an offer it brought, the folder named as every
 * other line of the round names it (folder_label.ts): a folder shared with
 * `--id docs` and no other name was "folder docs (docs)".
 */
export function offerLine(o: Offer): string {
  return `folder ${labelOf(o.id, o.name)} is shared by ${safeText(o.by)}: ` +
    `to sync it here, \`mycel folder join ${o.id} PATH\``;
}
