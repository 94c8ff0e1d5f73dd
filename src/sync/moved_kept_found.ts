/**
 * @module moved_kept_found
 * A version noted "now at b.txt" (moved_kept.ts) whose b.txt holds other
 * content by the time of the restore — b.txt replaced by a peer's edit,
 * say — may still be on this disk: the round that replaced b.txt kept its
 * old file under `.mycel/versions`, and that is the noted content. Found
 * here among b.txt's kept copies of the noted size, each read and chunked
 * as a scan would and its content key compared with the note's; the first
 * that matches is what `folder restore` puts back, as it puts back any kept
 * copy. Before, the restore was refused ("b.txt holds other content now")
 * with a hint to look through b.txt's versions by hand (issue 13).
 */

import { join } from "node:path";
import { ContentChunker } from "../files/content_chunker.ts";
import { makeChunkList } from "../files/manifest_tree.ts";
import { chunkFile } from "../files/scan_file.ts";
import { contentKey } from "../files/version_content.ts";
import { type KeptVersion, listVersions } from "../files/versions.ts";
import type { Home } from "../storage/home_handle.ts";
import { chunkSettings } from "./folder_scan_read.ts";
import type { MovedKeptNote } from "./moved_kept.ts";

/** A kept copy of `note.at` (newest first) holding the noted content, if one does. */
export async function keptCopyHolding(
  home: Home,
  folder: string,
  root: string,
  note: MovedKeptNote,
): Promise<KeptVersion | undefined> {
  const settings = chunkSettings(home, folder);
  for (const v of await listVersions(root, note.at)) {
    if (v.link || v.size !== note.size) continue;
    const abs = join(root, v.path);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(abs); // a kept copy is a regular file mycel made: never followed
    } catch {
      continue;
    }
    if (!info.isFile || info.size !== note.size) continue;
    const chunker = await ContentChunker.create(settings.params, settings.seed);
    const read = await chunkFile(abs, info, chunker);
    if ("skipped" in read) continue;
    const { list } = await makeChunkList(await read.hashing);
    if (contentKey({ kind: "file", size: info.size, chunks: list }) === note.key) return v;
  }
  return undefined;
}
