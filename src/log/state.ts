/**
 * @module state
 * The replicated state and the fold of log entries into it. Each part is a
 * CRDT, so applying the same set of entries in any order that respects each
 * author's sequence gives the same state:
 * - `config`: LWW per dotted key; `prefs`: LWW map key → string;
 * - `apps`: grow-only set; `patterns`: observed-remove set of JSON objects;
 * - `members`: 2P set of admitted/revoked devices (revocation is permanent);
 *   `devices`: per-field LWW records (name, keys, endpoints, mesh IPv4).
 */

import { GSet } from "../crdt/g_set.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { Json, JsonObject } from "../crdt/json.ts";
import { LwwMap } from "../crdt/lww_map.ts";
import { OrSet } from "../crdt/or_set.ts";
import { TwoPhaseSet } from "../crdt/two_phase_set.ts";
import type { DeviceId } from "./device_id.ts";
import { DEVICE_FIELDS, type DeviceFields, type DeviceRecord } from "./device_record.ts";
import type { Entry } from "./entry.ts";

/** Who admitted (or revoked) a device, and when. */
export interface MembershipEvent extends JsonObject {
  /** The device that made the change. */
  by: DeviceId;
  /** HLC wall time of the entry. */
  wall: number;
  /** HLC counter of the entry. */
  counter: number;
  /**
   * Revocations: the revoked device's entries up to this seq were seen before
   * the revocation and stay acceptable (max over all revocations). 0 on adds.
   */
  upTo: number;
}

/**
 * Of two records of the same admission of device `id`, keep the one made by
 * another device (a device announcing itself is weaker evidence), then the
 * oldest. The minimum of a total order, hence a proper join.
 */
export function pickMembershipEvent(
  a: MembershipEvent,
  b: MembershipEvent,
  id: string,
): MembershipEvent {
  const key = (e: MembershipEvent) => [e.by === id ? 1 : 0, e.wall, e.counter, e.by] as const;
  const ka = key(a), kb = key(b);
  let pick = a;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) {
      pick = ka[i] < kb[i] ? a : b;
      break;
    }
  }
  // The product of "earliest record" and "largest upTo" is still a join.
  const upTo = Math.max(a.upTo, b.upTo);
  return pick.upTo === upTo ? pick : { ...pick, upTo };
}

/** For each LWW key an entry writes, the index of the entry's last op writing it. */
function lastWrites(ops: Entry["ops"]): Map<string, number> {
  const last = new Map<string, number>();
  for (const [i, op] of ops.entries()) {
    if (op.type === "config.set" || op.type === "config.unset") last.set(`c:${op.key}`, i);
    else if (op.type === "pref.set" || op.type === "pref.unset") last.set(`p:${op.key}`, i);
    else if (op.type === "device.add" || op.type === "device.update") {
      const id = op.type === "device.add" ? op.device.id : op.id;
      const fields = op.type === "device.add" ? op.device : op.fields;
      for (const f of DEVICE_FIELDS) if (fields[f] !== undefined) last.set(`d:${id}/${f}`, i);
    }
  }
  return last;
}

/** The replicated state of one mesh. */
export class MeshState {
  /** Configuration, LWW per dotted key. */
  readonly config: LwwMap<Json> = new LwwMap();
  /** Preferences and learned context, LWW per key. */
  readonly prefs: LwwMap<string> = new LwwMap();
  /** Installed apps, grow-only. */
  readonly apps: GSet = new GSet();
  /** Learned patterns, observed-remove set keyed by `id`. */
  readonly patterns: OrSet<JsonObject> = new OrSet();
  /** Admitted and revoked devices. */
  readonly members: TwoPhaseSet<MembershipEvent> = new TwoPhaseSet(pickMembershipEvent);
  /** Device record fields, LWW per `id/field`. */
  readonly devices: LwwMap<Json> = new LwwMap();

  /**
   * Apply one entry's ops (the fold step). Entries of one author must come in
   * seq order. All ops of an entry share its stamp, so for a key written twice
   * in one entry only the last write counts (the stamp cannot order them).
   */
  apply(entry: Entry): void {
    const stamp: Hlc = entry.hlc;
    const event: MembershipEvent = {
      by: entry.author,
      wall: stamp.wall,
      counter: stamp.counter,
      upTo: 0,
    };
    // Most entries hold one op: no same-key writes to resolve.
    const last = entry.ops.length > 1 ? lastWrites(entry.ops) : undefined;
    const isLast = (key: string, i: number) => last === undefined || last.get(key) === i;
    for (const [i, op] of entry.ops.entries()) {
      switch (op.type) {
        case "config.set":
          if (isLast(`c:${op.key}`, i)) this.config.set(op.key, op.value, stamp);
          break;
        case "config.unset":
          if (isLast(`c:${op.key}`, i)) this.config.delete(op.key, stamp);
          break;
        case "pref.set":
          if (isLast(`p:${op.key}`, i)) this.prefs.set(op.key, op.value, stamp);
          break;
        case "pref.unset":
          if (isLast(`p:${op.key}`, i)) this.prefs.delete(op.key, stamp);
          break;
        case "app.add":
          this.apps.add(op.name);
          break;
        case "pattern.add":
          this.patterns.add(op.id, {
            dot: { author: entry.author, seq: entry.seq },
            stamp,
            value: op.value,
          });
          break;
        case "pattern.remove":
          this.patterns.remove(op.id, op.dots);
          break;
        case "device.add":
          this.members.add(op.device.id, event);
          this.#setFields(
            op.device.id,
            op.device,
            stamp,
            (f) => isLast(`d:${op.device.id}/${f}`, i),
          );
          break;
        case "device.update":
          this.#setFields(op.id, op.fields, stamp, (f) => isLast(`d:${op.id}/${f}`, i));
          break;
        case "device.revoke":
          this.members.remove(op.id, { ...event, upTo: op.upTo });
          break;
      }
    }
    this.patterns.observe(entry.author, entry.seq);
  }

  #setFields(
    id: DeviceId,
    fields: Partial<DeviceFields>,
    stamp: Hlc,
    isLast: (f: string) => boolean,
  ): void {
    for (const f of DEVICE_FIELDS) {
      const value = fields[f];
      if (value !== undefined && isLast(f)) this.devices.set(`${id}/${f}`, value, stamp);
    }
  }

  /** True when `id` is admitted and not revoked. */
  isMember(id: DeviceId): boolean {
    return this.members.has(id);
  }

  /** The record of device `id`, if it was ever admitted. */
  device(id: DeviceId): DeviceRecord | undefined {
    if (this.members.added(id) === undefined) return undefined;
    const get = <K extends keyof DeviceFields>(f: K, fallback: DeviceFields[K]) =>
      (this.devices.get(`${id}/${f}`) ?? fallback) as DeviceFields[K];
    return {
      id,
      name: get("name", ""),
      noiseKey: get("noiseKey", ""),
      wgKey: get("wgKey", ""),
      endpoints: get("endpoints", []),
      ipv4: get("ipv4", ""),
      wgPort: get("wgPort", 0),
    };
  }

  /** Records of every device ever admitted (revoked ones too), sorted by id. */
  allDevices(): DeviceRecord[] {
    return this.members.ids().map((id) => this.device(id)).filter((d) => d !== undefined);
  }
}
