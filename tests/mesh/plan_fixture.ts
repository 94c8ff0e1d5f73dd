/**
 * @module plan_fixture
 * Replicated state for the mesh planning tests: devices numbered 1, 2, …
 * with fixed keys (`key(n)`), admitted or revoked by entries folded straight
 * into a {@link MemoryState} (no signing: the plan reads the folded state
 * only).
 */

import { toBase64 } from "../../src/bytes.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import type { Entry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import type { Op } from "../../src/log/ops.ts";
import type { StateView } from "../../src/log/state.ts";
import { MemoryState } from "../../src/log/state_memory.ts";

/** The mesh id the fixtures use. */
export const MESH = "testmesh";

/** Device n's signing key. */
export const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
/** Device n's key. */
export const dk = (n: number): DeviceKey => DeviceKey.of(key(n));
/** Device n's id. */
export const id = (n: number): string => dk(n).id;
/** Device n's WireGuard public key (base64). */
export const wgKey = (n: number): string => toBase64(key(n + 200));

/** Device n's record: underlay 198.18.0.n, sync port 7850, WireGuard 51871. */
export function record(n: number, ipv4: string): DeviceRecord {
  return {
    key: dk(n),
    id: id(n),
    name: `d${n}`,
    noiseKey: toBase64(key(n + 100)),
    wgKey: wgKey(n),
    endpoints: [`198.18.0.${n}:7850`],
    ipv4,
    wgPort: 51871,
  };
}

/** A state to apply fixture entries to. */
export class Fixture {
  readonly #memory = new MemoryState();
  #seqs = new Map<string, number>();

  /** The folded state as the plan reads it. */
  get state(): StateView {
    return this.#memory.view;
  }

  /** Apply `ops` as the next entry of device `author`, stamped `wall`. */
  apply(author: number, wall: number, ops: Op[]): this {
    const a = dk(author);
    const seq = (this.#seqs.get(a.hex) ?? 0) + 1;
    this.#seqs.set(a.hex, seq);
    const entry: Entry = {
      author: a,
      seq,
      prev: null,
      hlc: { wall, counter: 0, node: a.hex },
      ops,
    };
    foldEntry(this.#memory, entry);
    return this;
  }

  /** Device 1 admits each of `devices` in turn. */
  admit(...devices: DeviceRecord[]): this {
    for (const [i, d] of devices.entries()) {
      this.apply(1, 10 * (i + 1), [{ type: "device.add", device: d }]);
    }
    return this;
  }
}
