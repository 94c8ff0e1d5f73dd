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
import {
  loadOpenNoFollow,
  type OpenFolder,
  openFolderNoFollow,
  openNoFollowSync,
} from "../open_no_follow.ts";
import type { Home } from "../storage/home_handle.ts";
import { chunkSettings } from "./folder_scan_read.ts";
import type { MovedKeptNote } from "./moved_kept.ts";
import { shellWord } from "../shell_word.ts";

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
          `versions: mycel folder versions ${shellWord(join(root, note.at))}`,
        exit: ExitCode.failure,
      },
    );
  const abs = join(realRoot, note.at);
  const dir = dirname(abs);
  await loadOpenNoFollow();
  // The folder b.txt lies in, opened once (on Linux) and checked where that
  // descriptor is: b.txt is opened, and its copy made, inside it, so a folder
  // on the way swapped for a link after the check is not followed (a check
  // by name and opens by name, a race to outside won one try in two).
  let opened: OpenFolder | undefined;
  try {
    opened = openFolderNoFollow(dir);
  } catch {
    throw changed(`${note.at} is gone`);
  }
  using _held = opened;
  const base = opened?.path ?? dir;
  let dirReal: string;
  try {
    dirReal = Deno.realPathSync(base);
  } catch {
    throw changed(`${note.at} is gone`);
  }
  if (dirReal !== dir || (opened === undefined && Deno.build.os === "linux")) {
    throw changed("a folder on the way is a link now");
  }
  let from: Deno.FsFile | undefined;
  try {
    from = openNoFollowSync(join(base, basename(abs)));
  } catch {
    throw changed(`${note.at} is gone or can't be read`);
  }
  if (from === undefined) throw changed(`${note.at} is not a regular file now`);
  const tempName = tempNameFor(basename(note.at));
  const staged = join(base, tempName);
  try {
    using source = from;
    const found = source.statSync();
    if (!found.isFile) throw changed(`${note.at} is not a regular file now`);
    // Another size is other content, told before a byte is copied (a b.txt
    // of gigabytes was copied whole into the folder, then refused).
    if (found.size !== note.size) throw changed(`${note.at} holds other content now`);
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
    return join(dir, tempName).slice(realRoot.length + 1);
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
