/**
 * @module helpers
 * Shared pieces of the storage tests: temporary folders that clean up after
 * themselves, an initialised home created in-process (keys, `home.json`), and
 * stores opened with an injected clock and a warning collector.
 */

import { deviceIdOf, type DeviceKeys } from "../../src/log/identity.ts";
import type { DeviceId } from "../../src/log/device_id.ts";
import { ensureHomeDirs, type HomePaths, homePaths } from "../../src/storage/home.ts";
import { writeHomeInfo } from "../../src/storage/home_info.ts";
import { writeKeys } from "../../src/storage/key_store.ts";
import { type OpenOptions, Store } from "../../src/storage/store.ts";
import { testKeys } from "../log/helpers.ts";

/** A temporary folder removed on dispose (`await using dir = await tempDir()`). */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "mycel-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** An initialised home in a temporary folder. */
export interface TestHome extends AsyncDisposable {
  readonly root: string;
  readonly paths: HomePaths;
  readonly keys: DeviceKeys;
  readonly id: DeviceId;
  /** Warnings collected from every store opened through this home. */
  readonly warnings: string[];
  /** Wall clock handed to stores (ms); tests may move it. */
  now: number;
  /** Open the store for writing (lock taken) with this home's keys. */
  writer(options?: Partial<OpenOptions>): Promise<Store>;
  /** Open the store read-only. */
  reader(options?: Partial<OpenOptions>): Promise<Store>;
}

/**
 * Create a home the way `init` does, minus the genesis entry: folders, keys
 * (`writeKeys`), `home.json` (`writeHomeInfo`). `keyIndex` picks one of the
 * cached test key sets.
 */
export async function makeHome(keyIndex = 0): Promise<TestHome> {
  const root = await Deno.makeTempDir({ prefix: "mycel-home-" });
  const paths = homePaths(root);
  await ensureHomeDirs(paths);
  const keys = (await testKeys(keyIndex + 1))[keyIndex];
  const id = deviceIdOf(keys);
  await writeKeys(paths.keys, keys);
  await writeHomeInfo(paths, { version: 1, device: id, mesh: "testmesh" });
  const warnings: string[] = [];
  const home: TestHome = {
    root,
    paths,
    keys,
    id,
    warnings,
    now: 1_700_000_000_000,
    async writer(options = {}) {
      const store = await Store.open(root, {
        write: true,
        now: () => home.now,
        warn: (m) => warnings.push(m),
        env: () => undefined,
        lockTimeoutMs: 5_000,
        ...options,
      });
      store.useKeys(keys);
      return store;
    },
    async reader(options = {}) {
      return await Store.open(root, {
        write: false,
        now: () => home.now,
        warn: (m) => warnings.push(m),
        env: () => undefined,
        ...options,
      });
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
  return home;
}

/** Read a whole file. */
export async function readBytes(path: string): Promise<Uint8Array> {
  return await Deno.readFile(path);
}

/** XOR one byte of a file in place. */
export async function flipByte(path: string, offset: number, mask = 0xff): Promise<void> {
  const bytes = await Deno.readFile(path);
  if (offset >= bytes.length) throw new Error(`offset ${offset} beyond ${bytes.length} bytes`);
  bytes[offset] ^= mask;
  await Deno.writeFile(path, bytes);
}

/** Append bytes to a file. */
export async function appendBytes(path: string, data: Uint8Array): Promise<void> {
  const f = await Deno.open(path, { append: true });
  try {
    await f.write(data);
  } finally {
    f.close();
  }
}

/** File names in `dir`, sorted. */
export async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/** Permission bits of `path`. */
export async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}
