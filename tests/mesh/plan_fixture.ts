/**
 * @module plan_fixture
 * Replicated state for the mesh planning tests: devices numbered 1, 2, …
 * with fixed keys (`key(n)`), admitted or revoked by entries applied
 * straight to a {@link MeshState} (no signing: the plan reads the folded
 * state only).
 */

import { toBase64 } from "../../src/bytes.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import type { Entry } from "../../src/log/entry.ts";
import type { Op } from "../../src/log/ops.ts";
import { MeshState } from "../../src/log/state.ts";

/** The mesh id the fixtures use. */
export const MESH = "testmesh";

/** Device n's signing key. */
export const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
/** Device n's id. */
export const id = (n: number): string => deviceIdFromKey(key(n));
/** Device n's WireGuard public key (base64). */
export const wgKey = (n: number): string => toBase64(key(n + 200));

/** Device n's record: underlay 198.18.0.n, sync port 7850, WireGuard 51871. */
export function record(n: number, ipv4: string): DeviceRecord {
  return {
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
  readonly state: MeshState = new MeshState();
  #seqs = new Map<string, number>();

  /** Apply `ops` as the next entry of device `author`, stamped `wall`. */
  apply(author: number, wall: number, ops: Op[]): this {
    const a = id(author);
    const seq = (this.#seqs.get(a) ?? 0) + 1;
    this.#seqs.set(a, seq);
    const entry: Entry = {
      author: a,
      authorKey: key(author),
      seq,
      prev: null,
      hlc: { wall, counter: 0, node: a },
      ops,
    };
    this.state.apply(entry);
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
