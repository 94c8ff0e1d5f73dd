/**
 * @module file_serve
 * The responder's file phase (docs/sync_protocol.md, "File transfer"):
 * answer a member's `want`s with chunks and manifest blobs of a folder both
 * devices joined, in request order, until `bye`, a silent peer (the read
 * deadline) or the connection's end.
 *
 * A chunk is read from a file of the folder that the index says holds it.
 * While that file still has the size, mtime, inode and ctime the index
 * recorded, looked at again after each read, the bytes are sent as they are (the
 * receiver checks every chunk against its BLAKE3 id before using it, and
 * drops a peer whose bytes are not it); a file changed since (a log appended to,
 * a file saved again) is still read at the chunk's offset, and the bytes
 * are sent only when they hash to the id asked for. Before, any change
 * made every chunk of the file unservable until the next scan here, which
 * published a version already stale by the time a peer asked for it: a
 * file written to more often than once a round (a log, a database) never
 * reached the other devices, each round saying "MAKER no longer has that
 * content"; appended to, its chunks are all still there (Syncthing serves
 * by offset too). Such a check costs this side a read and a hash of the
 * chunk, and one that fails sends only `none`: a member asking again and
 * again for a chunk of a big file rewritten since (256 ids a message) had
 * this side read and hash it each time, without end, for a 40-byte answer. So a
 * phase hashes at most {@link MISSED_CHECK_BUDGET} bytes that did not
 * match; past it, changed files are not read for it, as before the check
 * (a fetch of a whole rewritten file meets that only after 64 MiB of it).
 * Only regular files are read, never through
 * a symlinked folder, a link or a FIFO at their names (src/open_no_follow.ts). No chunk of another folder is ever served: a peer
 * that did not join the folder is told `not_shared` and the phase ends.
 * Manifest blobs come from the home, whatever folder named them: they are
 * chunk lists (ids and lengths), which every member holds inline for small
 * files anyway, not content (docs/threat_model.md, 3.5).
 */

import { join } from "node:path";
import { toHex } from "../bytes.ts";
import { isMycelError, MycelError } from "../errors.ts";
import { type Blake3, loadBlake3 } from "../files/chunk_hash.ts";
import { readIntoAtSync } from "../files/chunk_sources.ts";
import { MARKER_NAME } from "../files/folder_layout.ts";
import { parentOf, relativePathProblem } from "../files/paths.ts";
import type { DeviceKey } from "../log/device_key.ts";
import {
  type ChunkMessage,
  decodeChunkMessage,
  encodeChunkMessage,
  encodePieceParts,
  MAX_PIECE,
} from "../protocol/chunk_messages.ts";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import type { Home } from "../storage/home_handle.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";

/** What a served file phase did. */
export interface FileServeResult {
  /** Chunks and blobs sent, and their bytes. */
  chunks: number;
  bytes: number;
  /** Ids asked for that we did not have. */
  missing: number;
  /** Bytes of files changed since their scan read and hashed, then not sent (not the id). */
  missedCheckBytes: number;
}

/** Bytes of changed files a phase may hash that turn out not to be the chunk asked for. */
export const MISSED_CHECK_BUDGET = 64 << 20;

/**
 * Reads chunks from one folder's files (keeps the last file open). A chunk
 * read from a file is a view of a buffer reused by the next read: the phase
 * sends each chunk before it reads the next, and a fresh buffer per chunk
 * cost the serving side a zero fill and a collection's worth of garbage for
 * every MiB it sent.
 */
class FolderReader {
  readonly #home: Home;
  readonly #folder: string;
  readonly #root: string;
  /** The phase's count of bytes hashed that did not match (shared by its readers). */
  readonly #result: FileServeResult;
  #realRoot?: string;
  #open?: {
    path: string;
    file: Deno.FsFile;
    size: number;
    stale: boolean;
    /** The index row's size and time, which the file keeps while not stale. */
    rowSize: number;
    rowMtimeMs: number;
    rowCtimeMs: number;
  };
  #buf = new Uint8Array(0);
  /**
   * Checks what a file changed since its scan holds; loaded the first time
   * one is met (19 ms here), not for every phase. Until then such a file
   * is skipped and {@link metStale} set.
   */
  blake3?: Blake3;
  metStale = false;

  constructor(home: Home, folder: string, root: string, result: FileServeResult) {
    this.#home = home;
    this.#folder = folder;
    this.#root = root;
    this.#result = result;
  }

  /**
   * The bytes of `hash`, valid until the next call. Chunks first: nearly
   * every want is one, and asking the blobs table first was 7 % of the
   * serving thread's time in a profile of a 1 GiB first sync (a query per
   * chunk that found nothing).
   */
  read(hash: string): Uint8Array | undefined {
    for (const loc of this.#home.folderLocal.locs(hash)) {
      if (loc.folder !== this.#folder || relativePathProblem(loc.path) !== undefined) continue;
      let bytes: Uint8Array | undefined;
      try {
        bytes = this.#readAt(hash, loc.path, loc.offset, loc.length);
      } catch {
        bytes = undefined; // gone, unreadable: another place may still hold it
      }
      if (bytes !== undefined) return bytes;
    }
    return this.#home.folderLocal.blob(hash);
  }

  #readAt(hash: string, path: string, offset: number, length: number): Uint8Array | undefined {
    // The index row is read when the file is opened and kept with it: the
    // chunks of one file come one after another (a large file's hundreds).
    if (this.#open?.path !== path) {
      this.close();
      const row = this.#home.folderLocal.indexRow(this.#folder, path);
      if (row === undefined || row.kind !== "file") return undefined;
      // The checks are synchronous: each async call is a thread-pool round trip
      // (~40 µs against ~4 µs), and a folder of small files makes five per file.
      this.#realRoot ??= Deno.realPathSync(this.#root);
      const abs = join(this.#realRoot, path);
      const dir = join(this.#realRoot, parentOf(path));
      if (Deno.realPathSync(dir) !== dir) return undefined; // a symlinked folder on the way
      const info = Deno.lstatSync(abs);
      if (!info.isFile) return undefined;
      // The ctime too, as the scan compares it: a same-size rewrite putting
      // the time back (cp -p, rsync -t) shows only there, and its bytes went
      // out unchecked until the next scan here (the fetching device dropped
      // this one as "sent wrong bytes" for its round).
      const stale = info.size !== row.size || info.ino !== row.ino ||
        (info.mtime?.getTime() ?? 0) !== row.mtimeMs ||
        (info.ctime?.getTime() ?? 0) !== row.ctimeMs;
      if (stale && this.blake3 === undefined) {
        this.metStale = true;
        return undefined;
      }
      // Never by a plain open: a FIFO swapped in after the look blocked the
      // whole process, every session of `sync serve`, and a link was followed.
      const file = openNoFollowSync(abs);
      if (file === undefined) return undefined;
      const opened = file.statSync();
      if (opened.ino !== info.ino) {
        file.close();
        return undefined;
      }
      this.#open = {
        path,
        file,
        size: stale ? opened.size : row.size,
        stale,
        rowSize: row.size,
        rowMtimeMs: row.mtimeMs,
        rowCtimeMs: row.ctimeMs,
      };
    }
    const open = this.#open;
    if (offset + length > open.size) return undefined;
    if (open.stale && this.#result.missedCheckBytes >= MISSED_CHECK_BUDGET) return undefined;
    if (this.#buf.length < length) this.#buf = new Uint8Array(Math.max(length, 1 << 20));
    const into = this.#buf.subarray(0, length);
    if (!readIntoAtSync(open.file, offset, into)) return undefined;
    // Changed since it was looked at (a program writing in place while a
    // peer fetches it: a database, a disk image)? Its stat after the read
    // says so (1-2 µs), and from then on it is a changed file: what was read
    // is sent only if it hashes to the id. Before, the bytes read after a
    // write went out as the chunk, and the fetching device, finding them
    // wrong, dropped this device for the rest of its round.
    if (!open.stale) {
      const now = open.file.statSync();
      if (
        now.size !== open.rowSize || (now.mtime?.getTime() ?? 0) !== open.rowMtimeMs ||
        (now.ctime?.getTime() ?? 0) !== open.rowCtimeMs
      ) {
        if (this.blake3 === undefined) {
          this.metStale = true; // the caller loads BLAKE3 and asks again
          this.close();
          return undefined;
        }
        open.stale = true;
        if (this.#result.missedCheckBytes >= MISSED_CHECK_BUDGET) return undefined;
      }
    }
    if (!open.stale || this.blake3!(into) === hash) return into;
    this.#result.missedCheckBytes += length;
    return undefined;
  }

  close(): void {
    this.#open?.file.close();
    this.#open = undefined;
  }
}

/** Serve the file phase to `peer` on `channel` (see the module comment). */
export async function serveFilePhase(
  home: Home,
  channel: SecureChannel,
  peer: DeviceKey,
  readTimeoutMs: number,
): Promise<FileServeResult> {
  const result: FileServeResult = { chunks: 0, bytes: 0, missing: 0, missedCheckBytes: 0 };
  const send = (m: ChunkMessage) => channel.send(encodeChunkMessage(m));
  const readers = new Map<string, FolderReader>();
  try {
    for (;;) {
      let raw: Uint8Array | null;
      try {
        raw = await channel.receive(readTimeoutMs);
      } catch (e) {
        // The initiator is gone or silent: the phase is over either way.
        if (isMycelError(e, "timeout") || isMycelError(e, "connection_closed")) return result;
        throw e;
      }
      if (raw === null) return result;
      const msg = decodeChunkMessage(raw);
      if (msg.type === "bye") return result;
      if (msg.type !== "want") {
        throw new MycelError("protocol_violation", "serve files", `unexpected ${msg.type} message`);
      }
      let reader = readers.get(msg.folder);
      if (reader === undefined) {
        const local = home.folderLocal.folder(msg.folder);
        const joined = home.view.folders().deviceRow(msg.folder, peer.hex)?.joined === true;
        let marker = false;
        try {
          if (local) marker = (await Deno.lstat(join(local.root, MARKER_NAME))) !== undefined;
        } catch {
          marker = false;
        }
        if (local === undefined || !joined || !marker) {
          await send({
            type: "stop",
            code: "not_shared",
            message: "this device does not share that folder with you",
          });
          return result;
        }
        await loadOpenNoFollow();
        reader = new FolderReader(home, msg.folder, local.root, result);
        readers.set(msg.folder, reader);
      }
      for (const id of msg.ids) {
        const hash = toHex(id);
        let bytes = reader.read(hash);
        if (bytes === undefined && reader.metStale && reader.blake3 === undefined) {
          reader.blake3 = await loadBlake3();
          bytes = reader.read(hash);
        }
        if (bytes === undefined || bytes.length === 0) {
          result.missing++;
          await send({ type: "none", id });
          continue;
        }
        for (let at = 0; at < bytes.length; at += MAX_PIECE) {
          // Head and bytes as two parts: the chunk is not copied per piece.
          await channel.send(encodePieceParts({
            type: "piece",
            id,
            total: bytes.length,
            offset: at,
            bytes: bytes.subarray(at, at + MAX_PIECE),
          }));
        }
        result.chunks++;
        result.bytes += bytes.length;
      }
    }
  } finally {
    for (const r of readers.values()) r.close();
  }
}
