/**
 * @module device_sessions
 * How many sessions a listener serves for each member device at once, at
 * most {@link MAX_PER_DEVICE} (connection_limits.ts says why): a member past
 * it is refused as busy once admitted (its next round tries again), so one
 * device, a stolen one say, can no longer hold every slot of `sync serve
 * --listen` with authenticated sessions, which are never evicted. One
 * process's count; under socket activation the processes of a home count
 * the same way through their registry (stdio_admission.ts).
 */

import { MAX_PER_DEVICE } from "../protocol/connection_limits.ts";
import type { DeviceKey } from "../log/device_key.ts";

/** Sessions served per device (by key), each taken once and released once. */
export class DeviceSessions {
  // Keys are interned (device_key.ts): one object per device, a Map key as is.
  readonly #count = new Map<DeviceKey, number>();

  constructor(readonly max: number = MAX_PER_DEVICE) {}

  /**
   * Count a session of `peer` and hand back its release; or, when `peer`
   * already has `max` sessions here, count nothing and hand back the
   * refusal's message.
   */
  take(peer: DeviceKey): { release: () => void } | { busy: string } {
    const n = this.#count.get(peer) ?? 0;
    if (n >= this.max) {
      return {
        busy: `this device serves ${n} sessions of yours already; the next round tries again`,
      };
    }
    this.#count.set(peer, n + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#count.get(peer) ?? 1) - 1;
        if (left > 0) this.#count.set(peer, left);
        else this.#count.delete(peer);
      },
    };
  }

  /** Sessions counted for `peer` now. */
  of(peer: DeviceKey): number {
    return this.#count.get(peer) ?? 0;
  }
}
