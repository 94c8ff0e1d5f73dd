/**
 * @module helpers
 * Shared pieces of the storage tests: temporary folders that clean up after
 * themselves, and a home created in-process the way `init` does (keys, the
 * database, the genesis entry) with an injected clock and a warning collector.
 */

import { newDeviceRecord } from "../../src/log/device_record.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceKeys } from "../../src/log/identity.ts";
import { type HomePaths, homePaths } from "../../src/storage/home.ts";
import { createHome } from "../../src/storage/home_create.ts";
import { Home, type HomeOptions } from "../../src/storage/home_handle.ts";
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
  readonly device: DeviceKey;
  /** Warnings collected from every handle opened through this home. */
  readonly warnings: string[];
  /** Wall clock handed to handles (ms); tests may move it. */
  now: number;
  /** Open the home for writing. */
  writer(options?: Partial<HomeOptions>): Promise<Home>;
  /** Open the home read-only. */
  reader(options?: Partial<HomeOptions>): Promise<Home>;
}

/**
 * Create a home the way `init` does: keys, database, genesis entry (the device
 * announcing itself, named `name`). `keyIndex` picks one of the cached key sets.
 */
export async function makeHome(keyIndex = 0, name = "dev"): Promise<TestHome> {
  const root = await Deno.makeTempDir({ prefix: "mycel-home-" });
  const paths = homePaths(root);
  const keys = (await testKeys(keyIndex + 1))[keyIndex];
  const warnings: string[] = [];
  let now = 1_700_000_000_000;
  const { device } = await createHome(root, {
    keys,
    mesh: "testmesh",
    now: () => now,
    env: () => undefined,
    keyStore: "file",
    genesis: (key) => [{ type: "device.add", device: newDeviceRecord(key, keys, name) }],
  });
  const open = async (write: boolean, options: Partial<HomeOptions>) => {
    const h = await Home.open(root, {
      write,
      now: () => now,
      warn: (m) => warnings.push(m),
      env: () => undefined,
      ...options,
    });
    h.useKeys(keys);
    return h;
  };
  return {
    root,
    paths,
    keys,
    device,
    warnings,
    get now() {
      return now;
    },
    set now(v: number) {
      now = v;
    },
    writer: (options = {}) => open(true, options),
    reader: (options = {}) => open(false, options),
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
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

/** Admit `b` in `a`'s mesh, so `a` accepts b's entries and the other way round. */
export async function pairInProcess(a: TestHome, b: TestHome): Promise<void> {
  const admit = async (h: TestHome, other: TestHome) => {
    const w = await h.writer();
    await w.write((tx) =>
      tx.commit([{
        type: "device.add",
        device: newDeviceRecord(other.device, other.keys, "peer"),
      }])
    );
    w.close();
  };
  await admit(a, b);
  await admit(b, a);
}

/** Give `to` every entry `from` holds (what one sync exchange does). */
export async function exchange(from: Home, to: Home): Promise<void> {
  const raw: Uint8Array[] = [];
  for (const [author, head] of from.log.heads()) {
    raw.push(...from.log.range(author, head.base, undefined, 100_000));
  }
  const s = to.ingestStream();
  await s.push(raw);
  await s.finish();
}

/** `n` preference writes, one entry each, keys `${prefix}0`… */
export async function writes(h: TestHome, n: number, prefix: string): Promise<void> {
  const w = await h.writer();
  for (let i = 0; i < n; i++) {
    await w.write((tx) =>
      tx.commit([{
        type: "pref.set",
        key: `${prefix}${i}`,
        value: `value-${prefix}-${i}`,
        observed: [],
      }])
    );
  }
  w.close();
}
