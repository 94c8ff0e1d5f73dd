/**
 * @module home_keys
 * A {@link Home}'s private keys for the life of the handle (home_handle.ts
 * hands them out): read once, when first needed, from wherever the home
 * keeps them (key_home.ts: a keyring, a sealed file, systemd's credential;
 * loaded only then), with the command's Ctrl-C ending a keyring tool that
 * hangs; and its Noise keys, read without opening those whenever they can
 * be (home_noise.ts).
 */

import type { DeviceKeys } from "../log/identity.ts";
import { lazyImport } from "../lazy_import.ts";
import type { HomePaths } from "./home.ts";
import type { NoiseHome } from "./home_noise.ts";
import type { NoisePair } from "./noise_cache.ts";

/** Where a home's keys are read from. */
export interface KeysSource {
  readonly paths: HomePaths;
  /** The home's device id: keys of another device are refused. */
  readonly device: string;
  readonly env: (name: string) => string | undefined;
  /** Ctrl-C / SIGTERM (HomeOptions.signal). */
  readonly signal: AbortSignal | undefined;
}

/** One home's keys, read once. */
export class HomeKeys {
  readonly #source: KeysSource;
  #keys?: DeviceKeys;

  constructor(source: KeysSource) {
    this.#source = source;
  }

  /** See {@link Home.keys}. */
  async get(): Promise<DeviceKeys> {
    if (this.#keys === undefined) {
      const { loadDeviceKeys } = await lazyImport<typeof import("./key_home.ts")>(
        new URL("./key_home.ts", import.meta.url),
      );
      const s = this.#source;
      this.#keys = await loadDeviceKeys(s.paths, s.env, { device: s.device, signal: s.signal });
    }
    return this.#keys;
  }

  /** The keys, if read (or given) already; never reads them. */
  loaded(): DeviceKeys | undefined {
    return this.#keys;
  }

  /** See {@link Home.useKeys}. */
  use(keys: DeviceKeys): void {
    this.#keys = keys;
  }

  /** See {@link Home.noiseKeys}. */
  async noise(home: Omit<NoiseHome, "keys">): Promise<NoisePair> {
    const { noiseKeysOf } = await lazyImport<typeof import("./home_noise.ts")>(
      new URL("./home_noise.ts", import.meta.url),
    );
    return await noiseKeysOf({ ...home, keys: () => this.get() });
  }
}
