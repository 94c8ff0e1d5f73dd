/**
 * @module files_helpers
 * Shared pieces of the folder tests: a temporary synced folder (marker in
 * place, removed on dispose), file writing by relative path, device ids,
 * small chunk parameters so tests get several chunks from small files, and
 * the pieces the write and race tests share (content, expectations, temps).
 */

import type { FileVersion } from "../../src/log/file_version.ts";
import { dirname, join } from "node:path";
import type { ChunkRef } from "../../src/log/chunk_list.ts";
import type { ChunkParams } from "../../src/files/chunk_params.ts";
import { chunkBytes } from "../../src/files/content_chunker.ts";
import type { ChunkSource, ExpectedEntry } from "../../src/files/disk_state.ts";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { type DeviceId, deviceIdFromKey } from "../../src/log/device_id.ts";

/** Small chunks (1 KiB / 4 KiB / 16 KiB) so tests see many chunks cheaply. */
export const TEST_PARAMS: ChunkParams = { min: 1024, avg: 4096, max: 16384, normalization: 1 };
/** A fixed gear seed for tests. */
export const TEST_SEED = 0x6d79_6365_6cn;

/** A temporary folder with its marker; removed on dispose. */
export interface TestFolder extends AsyncDisposable {
  /** Absolute path of the folder. */
  readonly root: string;
  /** Absolute path of `rel`. */
  abs(rel: string): string;
  /** Write `rel` (creating folders), text or bytes. */
  write(rel: string, data: string | Uint8Array): Promise<void>;
  /** Read `rel` as bytes. */
  read(rel: string): Promise<Uint8Array>;
}

/** Make a synced folder for a test (`await using f = await testFolder()`). */
export async function testFolder(options: { marker?: boolean } = {}): Promise<TestFolder> {
  const root = await Deno.makeTempDir({ prefix: "mycel-folder-" });
  if (options.marker !== false) await Deno.writeTextFile(join(root, MARKER_NAME), "");
  const abs = (rel: string) => join(root, rel);
  return {
    root,
    abs,
    async write(rel, data) {
      await Deno.mkdir(dirname(abs(rel)), { recursive: true });
      if (typeof data === "string") await Deno.writeTextFile(abs(rel), data);
      else await Deno.writeFile(abs(rel), data);
    },
    read: (rel) => Deno.readFile(abs(rel)),
    async [Symbol.asyncDispose]() {
      await Deno.chmod(root, 0o755).catch(() => {});
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}

/** The device id of a key made of `n` repeated (deterministic test devices). */
export function testDevice(n: number): DeviceId {
  return deviceIdFromKey(new Uint8Array(32).fill(n));
}

/** `n` pseudo-random bytes from `seed` (xorshift32, a word at a time), the same every run. */
export function pseudoRandomBytes(n: number, seed: number): Uint8Array {
  // Note: the state starts at `seed | 1`, so seeds 2k and 2k + 1 give the same bytes.
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let x = seed | 1;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if (i + 4 <= n) view.setUint32(i, x, true);
    else for (let k = 0; i + k < n; k++) out[i + k] = (x >>> (8 * k)) & 0xff;
  }
  return out;
}

/** Chunks of `data` (test parameters) and a source serving them. */
export async function contentOf(
  data: Uint8Array,
): Promise<{ chunks: ChunkRef[]; source: ChunkSource }> {
  const chunks = await chunkBytes(data, TEST_PARAMS, TEST_SEED);
  const byHash = new Map<string, Uint8Array>();
  let at = 0;
  for (const c of chunks) {
    byHash.set(c.hash, data.slice(at, at + c.length));
    at += c.length;
  }
  return { chunks, source: { get: (h) => byHash.get(h) } };
}

/** What a caller's index would expect of the file at `abs` now. */
export async function expectedOf(abs: string): Promise<ExpectedEntry> {
  const i = await Deno.lstat(abs);
  return { size: i.size, mtimeMs: i.mtime!.getTime(), ino: i.ino! };
}

/** Names of mycel's temporary entries (files and hold folders) in `dir`. */
export async function tempsIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.startsWith(".mycel-tmp-")) out.push(e.name);
  return out;
}

/** An editor's atomic save: write a side file, rename it over `abs`. */
export async function atomicSave(abs: string, text: string): Promise<void> {
  await Deno.writeTextFile(`${abs}.swp`, text);
  await Deno.rename(`${abs}.swp`, abs);
}

/** A one-chunk file version of `path` made by `by` at `mtime` (its content named by `hash`). */
export function fileVersion(path: string, by: string, mtime: number, hash = "aa"): FileVersion {
  return {
    path,
    kind: "file",
    mtime,
    modifiedBy: by,
    vv: new Map([[by, 1]]),
    size: 10,
    exec: false,
    chunks: { inline: [{ hash: hash.repeat(32), length: 10 }] },
  };
}
