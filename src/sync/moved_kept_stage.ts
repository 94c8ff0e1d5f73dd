/**
 * @module moved_kept_stage
 * `folder restore a.txt` of a version noted "now at b.txt" (moved_kept.ts):
 * b.txt's bytes are copied to a temporary file beside it — b.txt opened
 * without following a link, as the round that dropped the kept copy read
 * it — and that copy is chunked as a scan would and its content key
 * compared with the note's. Only then is it what `restoreVersion` puts
 * back: checked by content, not by name, and what was checked is what is
 * restored, whatever happens to b.txt meanwhile. Other content there (b.txt
 * edited since, deleted, a link now) is `version_changed`, and nothing is
 * written.
 */

import { basename, dirname, join } from "node:path";
import { ExitCode, MycelError } from "../errors.ts";
import { ContentChunker } from "../files/content_chunker.ts";
import { tempNameFor } from "../files/folder_layout.ts";
import { makeChunkList } from "../files/manifest_tree.ts";
import { chunkFile } from "../files/scan_file.ts";
import { contentKey } from "../files/version_content.ts";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import type { Home } from "../storage/home_handle.ts";
import { chunkSettings } from "./folder_scan_read.ts";
import type { MovedKeptNote } from "./moved_kept.ts";

/**
 * A copy of what `note.at` holds, as a folder-relative temporary file the
 * caller removes, when that is the noted content.
 * @throws MycelError `version_changed` when it is not (or can't be read).
 */
export async function stageMovedContent(
  home: Home,
  folder: string,
  root: string,
  note: MovedKeptNote,
): Promise<string> {
  const realRoot = Deno.realPathSync(root);
  const changed = (why: string): MycelError =>
    new MycelError(
      "version_changed",
      "restore file",
      `its content was at ${note.at} when it was kept, and ${why}`,
      {
        value: note.path,
        hint: `Nothing was changed. What ${note.at} held before may be among its own kept ` +
          `versions: mycel folder versions ${join(root, note.at)}`,
        exit: ExitCode.failure,
      },
    );
  const abs = join(realRoot, note.at);
  // The folder on the way is the folder's own, not a link out of it.
  let dirReal: string;
  try {
    dirReal = Deno.realPathSync(dirname(abs));
  } catch {
    throw changed(`${note.at} is gone`);
  }
  if (dirReal !== dirname(abs)) throw changed("a folder on the way is a link now");
  await loadOpenNoFollow();
  let from: Deno.FsFile | undefined;
  try {
    from = openNoFollowSync(abs);
  } catch {
    throw changed(`${note.at} is gone or can't be read`);
  }
  if (from === undefined) throw changed(`${note.at} is not a regular file now`);
  const staged = join(dirname(abs), tempNameFor(basename(note.at)));
  try {
    using source = from;
    if (!source.statSync().isFile) throw changed(`${note.at} is not a regular file now`);
    {
      using out = Deno.openSync(staged, { write: true, createNew: true, mode: 0o600 });
      const buf = new Uint8Array(1 << 20);
      for (let n = source.readSync(buf); n !== null; n = source.readSync(buf)) {
        for (let off = 0; off < n;) off += out.writeSync(buf.subarray(off, n));
      }
      out.syncSync();
    }
    const info = Deno.lstatSync(staged);
    if (info.size !== note.size) throw changed(`${note.at} holds other content now`);
    const settings = chunkSettings(home, folder);
    const chunker = await ContentChunker.create(settings.params, settings.seed);
    const read = await chunkFile(staged, info, chunker);
    if ("skipped" in read) throw changed(`its copy can't be read (${read.skipped})`);
    const { list } = await makeChunkList(await read.hashing);
    if (contentKey({ kind: "file", size: info.size, chunks: list }) !== note.key) {
      throw changed(`${note.at} holds other content now`);
    }
    return staged.slice(realRoot.length + 1);
  } catch (e) {
    try {
      Deno.removeSync(staged);
    } catch {
      // Never made (the folder refused it): nothing to take back.
    }
    if (e instanceof MycelError) throw e;
    throw changed(`${note.at} can't be read`);
  }
}
