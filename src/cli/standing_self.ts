/**
 * @module standing_self
 * This device's standing in a folder (`folder status`, folder_standing.ts),
 * counted winner by winner against its own index, read alongside by path:
 * the files it does not hold yet, the conflicts of paths it does not ignore,
 * those waited for from a device removed since or from itself, and the
 * bytes still to fetch once content held here under other names
 * (held_here.ts) and in its transfers is left out.
 */

import { type FileContent, sameContent } from "../files/version_content.ts";
import { sameStoredContent, storedContentKey } from "../log/stored_content_key.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexHeld } from "../storage/sql_file_index.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import type { HeldPart } from "./folder_partial.ts";
import type { removedMakers } from "./folder_winners.ts";
import { heldHere } from "./held_here.ts";
import { pathCursor } from "./path_cursor.ts";
import { type Counting, counting } from "./standing_count.ts";

/** This device: measured against its own disk, what its index does not hold yet. */
export function selfCounting(
  home: Home,
  folder: string,
  local: LocalFolder | undefined,
  ignored: (path: string) => boolean,
  removedMaker: ReturnType<typeof removedMakers>,
  parts?: ReadonlyMap<string, HeldPart>,
): Counting {
  // Its index read alongside the winners (both by path), none of it kept.
  const index = pathCursor<IndexHeld>(home.folderLocal.indexRows(folder));
  // Only what its bytes need of the files to fetch (path, size, chunks): not
  // the winners, nor their versions' vectors (100,000 kept to the end).
  const toFetch: { path: string; content: FileContent; key: string }[] = [];
  return counting(0, 0, (c, w) => {
    if (ignored(w.path)) return;
    // Conflicts of paths this device ignores are not its own to end: another device's.
    if (w.conflict) c.conflicts++;
    // A conflict's losing file still to be copied here, made by a device
    // removed since: waited for like a winner of that device (a chaos
    // soak: the wait showed nowhere, this device said "in sync").
    for (const l of w.losers) {
      const name = removedMaker(l.version, l.maker);
      if (name === undefined) continue;
      c.fromRemoved.set(name, (c.fromRemoved.get(name) ?? 0) + 1);
      c.behindFiles++;
      if (l.version.kind === "file") c.behindBytes += l.version.size;
    }
    const row = index.at(w.path);
    // A folder's row (docs/folders.md "Empty folders") holds no file.
    // The row's version is compared by its bytes, not decoded (stored_content_key.ts).
    const ok = w.kind === "deleted"
      ? row === undefined || row.kind === "dir"
      : !!row?.version && sameStoredContent(row.version, w.bytes);
    if (ok) return;
    // Only content to fetch: a deletion or a link needs nobody.
    const fetched = w.kind === "file" && w.size > 0;
    if (fetched && w.maker === home.device.hex) c.fromSelf++;
    const name = removedMaker(w, w.maker);
    if (name !== undefined) c.fromRemoved.set(name, (c.fromRemoved.get(name) ?? 0) + 1);
    c.behindFiles++;
    // Decoded only here: a file to fetch (its chunks).
    const v = w.kind === "file" ? w.version : undefined;
    if (v?.kind === "file") {
      const content: FileContent = { kind: "file", size: v.size, chunks: v.chunks };
      toFetch.push({ path: w.path, content, key: storedContentKey(w.bytes) ?? "" });
    }
  }, (c) => {
    // Bytes still to fetch: content held here already (a rename or copy
    // made elsewhere, placed from this device's own files) costs none.
    index.close();
    const rows = home.folderLocal.indexRows(folder);
    const here = heldHere(home, local?.root, rows, toFetch);
    toFetch.forEach(({ path, content }, i) => {
      const held = here[i];
      c.behindBytes += content.size - held;
      // What its transfer holds of this very content is not still to fetch.
      const part = parts?.get(path);
      if (part !== undefined && sameContent(part.version, content)) {
        c.heldBytes += Math.max(0, Math.min(part.bytes, content.size) - held);
      }
    });
    c.behindBytes -= c.heldBytes;
  });
}
