/**
 * @module kept_chunks
 * Chunks of a file read back from the copies of that path this device kept
 * under `.mycel/versions` (src/files/versions.ts) when a peer's version
 * replaced or deleted it. A version can come back after what replaced it
 * stopped counting — the device that deleted or edited it was removed with
 * a cut below that change, so the change is set aside — and by then the
 * kept copies may be the only place its content still is: every device
 * waited for it for good (a chaos soak: cut_deletion_stuck). Only copies of
 * the same path and the same size are read, each chunk at its offset in the
 * version, and every chunk is checked against its id, so a kept copy of
 * other content just falls through to the peers. A kept copy is read only
 * when it is a regular file (never through a link).
 */

import { join } from "node:path";
import { loadBlake3 } from "../files/chunk_hash.ts";
import { readExactAt } from "../files/chunk_sources.ts";
import { VERSIONS_DIR } from "../files/folder_layout.ts";
import { listVersions } from "../files/versions.ts";

/** Kept copies of a folder's paths, as a chunk source (see the module comment). */
export class KeptChunks {
  readonly #root: string;
  readonly #copies = new Map<string, string[]>();
  #open?: { abs: string; file: Deno.FsFile };
  #any?: boolean;

  constructor(root: string) {
    this.#root = root;
  }

  /** The chunk `hash` of the version of `path` of `size` bytes, at `offset`; undefined when no kept copy holds it. */
  async get(
    path: string,
    size: number,
    offset: number,
    length: number,
    hash: string,
  ): Promise<Uint8Array | undefined> {
    // A folder that never kept anything (a first sync) costs one lstat.
    this.#any ??= (() => {
      try {
        return Deno.lstatSync(join(this.#root, VERSIONS_DIR)).isDirectory;
      } catch {
        return false;
      }
    })();
    if (!this.#any) return undefined;
    const key = `${size}:${path}`;
    let copies = this.#copies.get(key);
    if (copies === undefined) {
      const kept = await listVersions(this.#root, path).catch(() => []);
      copies = kept.filter((k) => k.size === size).map((k) => join(this.#root, k.path));
      this.#copies.set(key, copies);
    }
    if (copies.length === 0) return undefined;
    const blake3 = await loadBlake3();
    for (const abs of copies) {
      try {
        if (this.#open?.abs !== abs) {
          this.close();
          if (!Deno.lstatSync(abs).isFile) continue;
          this.#open = { abs, file: await Deno.open(abs, { read: true }) };
        }
        const out = readExactAt(this.#open!.file, offset, length);
        if (out !== undefined && blake3(out) === hash) return out;
      } catch {
        this.close(); // gone or unreadable: the next copy, or the peers
      }
    }
    return undefined;
  }

  close(): void {
    this.#open?.file.close();
    this.#open = undefined;
  }
}
