/**
 * @module folder_label
 * How a round's lines name a folder: by the name a person gave it (or its
 * directory's name, `folder add`), with the id a command takes after it —
 * "docs (2p547-v4hbr)" — where "2p547-v4hbr" alone meant nothing to them.
 * Only the id when it is the name (`--id docs`) or no name is known. The
 * name comes from another device's entry: made safe for a terminal here.
 */

import { safeText } from "../text_safety.ts";
import type { Home } from "../storage/home_handle.ts";

/** The label of folder `id` from the name it was shared with (undefined: none). */
export function labelOf(id: string, name: string | undefined): string {
  return name === undefined || name === "" || name === id ? id : `${safeText(name)} (${id})`;
}

/** The name folder `id` was shared with, on `home` (undefined: none known). */
export function folderName(home: Home, id: string): string | undefined {
  return home.view.folders().share(id)?.name;
}

/** The label of folder `id` on `home`. */
export function folderLabel(home: Home, id: string): string {
  return labelOf(id, folderName(home, id));
}
