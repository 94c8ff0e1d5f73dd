/**
 * @module init_home
 * Creating a home: device keys, a new mesh with this device as its only
 * member, and the genesis entry announcing the device. Runs under the
 * writers' lock so concurrent first writes create exactly one identity.
 */

import { hasControlChar, toBase64 } from "../bytes.ts";
import { ExitCode, MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import { deviceIdOf, generateDeviceKeys } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { ensureHomeDirs, homePaths } from "../storage/home.ts";
import { writeHomeInfo } from "../storage/home_info.ts";
import {
  describeKeyLocation,
  type KeyStoreChoice,
  saveDeviceKeys,
  type SavedKeys,
} from "../storage/key_home.ts";
import { acquireLock } from "../storage/lock.ts";
import { Store } from "../storage/store.ts";
import type { CommandContext } from "./command.ts";

/** What `init` may set. */
export interface InitOptions {
  /** Device name; defaults to the host name. */
  name?: string;
  /** Where this device accepts sync connections. */
  listen?: string;
  /** Where to keep the private keys (default: auto). */
  keys?: KeyStoreChoice;
}

/** The device created. */
export interface InitResult {
  /** Device id. */
  id: string;
  /** Device name. */
  name: string;
  /** New mesh id. */
  meshId: string;
  /** Where the private keys are kept. */
  keys: SavedKeys;
}

/** A new random mesh id: 16 lower-case base32 characters (80 bits). */
export function newMeshId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => alphabet[b & 31]).join("");
}

/** Check a device name: 1–64 printable characters. */
export function checkDeviceName(name: string): string {
  if (
    name.length === 0 || name.length > 64 || hasControlChar(name) ||
    name.trim() !== name
  ) {
    throw new MycelError("bad_input", "use device name", "it must be 1–64 printable characters", {
      value: JSON.stringify(name.slice(0, 80)),
      exit: ExitCode.usage,
    });
  }
  return name;
}

/** The host name, as a default device name. */
export function defaultName(): string {
  try {
    return Deno.hostname().slice(0, 64) || "device";
  } catch {
    return "device";
  }
}

/**
 * Append this device's genesis entry: it announces itself (keys, name,
 * endpoints, mesh IPv4) as a member of its own new mesh.
 */
export async function commitGenesis(
  store: Store,
  name: string,
  endpoints: string[],
): Promise<void> {
  const keys = await store.keys();
  const taken = new Set(store.state.allDevices().map((d) => d.ipv4).filter((a) => a !== ""));
  const record: DeviceRecord = {
    id: store.deviceId,
    name,
    noiseKey: toBase64(keys.noisePublic),
    wgKey: toBase64(keys.wgPublic),
    endpoints,
    ipv4: allocateIpv4(store.local.meshId, store.deviceId, taken),
    wgPort: 0,
  };
  await store.commit([{ type: "device.add", device: record }]);
}

/**
 * Create a home at `root`. Fails with `already_initialized` when one exists.
 */
export async function initHome(
  ctx: CommandContext,
  root: string,
  options: InitOptions,
): Promise<InitResult> {
  const name = checkDeviceName(options.name ?? defaultName());
  const endpoints = options.listen === undefined
    ? []
    : [formatEndpoint(parseEndpoint(options.listen))];
  const paths = homePaths(root);
  // Only the folder for the lock: the rest is made under it (a racing init
  // may be removing a crashed init's log folder right now).
  await Deno.mkdir(paths.root, { recursive: true, mode: 0o700 });
  const lock = await acquireLock(paths.lock, 60_000);
  try {
    if (await Store.exists(root)) {
      throw new MycelError("already_initialized", "initialise mycel home", "it is already set up", {
        value: root,
        hint: "Use `mycel status` to see it, or --home DIR for another home.",
      });
    }
    // Leftovers of an init that crashed before home.json was written were
    // never reported to anyone; start over.
    for (const p of [paths.keys, paths.snapshot]) await Deno.remove(p).catch(() => {});
    await Deno.remove(paths.logDir, { recursive: true }).catch(() => {});
    await ensureHomeDirs(paths);
    const keys = await generateDeviceKeys();
    const kept = await saveDeviceKeys(paths, keys, ctx.env, { store: options.keys });
    if (kept.fallback) {
      // Never a silent plaintext fallback: say where the keys went and why.
      ctx.out.error(`keys: ${describeKeyLocation(kept, ctx.env)} (${kept.fallback})`);
    }
    const id = deviceIdOf(keys);
    const meshId = newMeshId();
    await writeHomeInfo(paths, { version: 1, device: id, mesh: meshId });
    const store = await Store.open(root, { write: true, now: ctx.now, env: ctx.env, lock });
    try {
      store.useKeys(keys);
      await commitGenesis(store, name, endpoints);
      await store.save();
    } finally {
      store.close();
    }
    return { id, name, meshId, keys: kept };
  } finally {
    lock.release();
  }
}
