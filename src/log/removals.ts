/**
 * @module removals
 * Which removals count when removals race (pure).
 *
 * A removal (`device.revoke` in an entry of `author` at `seq`) of `subject`
 * with cut `upTo` invalidates the subject's entries after `upTo` — and with
 * them any removal the subject wrote there. So removals attack each other:
 * `r` attacks `s` when `s` was written by `r`'s subject past `r`'s cut. Two
 * devices removing each other concurrently (or a thief racing the owner)
 * attack each other; folding "whichever arrived first" would leave different
 * devices with different members for ever.
 *
 * The rule, the same on every device whatever arrived first (a deterministic
 * function of the set of removals, like the grounded semantics of an
 * argumentation framework):
 * - a removal whose entry lies past a fixed cut (from the checkpoint a home
 *   started from) does not count;
 * - a removal counts when every removal attacking it does not count; it does
 *   not count when some removal attacking it counts; repeat until nothing
 *   changes;
 * - what is still undecided is a cycle of removals cutting each other: all of
 *   them count (fail safe — in a real race both devices are out, and the
 *   owner pairs the one that is really theirs again).
 * A removal its author wrote after seeing its own removal names a cut at or
 * past the entry that removed it, so it does not attack that removal and is
 * itself attacked by it: it does not count. A thief who claims not to have
 * seen it makes a race instead, and then both devices are out (the owner
 * pairs the device that is really theirs again; the thief stays out). Cuts
 * are, per subject, the smallest `upTo` of the removals that count (never
 * wider than a fixed cut).
 *
 * Invariant: the result depends only on the set of events, not their order.
 */

import type { DeviceKey } from "./device_key.ts";
import type { Entry } from "./entry.ts";

/** One removal as written in an entry. */
export interface RevokeEvent {
  /** Who wrote the entry. */
  readonly author: DeviceKey;
  /** The entry's seq in its author's log. */
  readonly seq: number;
  /** The removed device. */
  readonly subject: DeviceKey;
  /** The subject's entries with seq ≤ upTo stay valid. */
  readonly upTo: number;
  /** Stamp of the entry. */
  readonly wall: number;
  readonly counter: number;
}

/** What {@link resolveRemovals} decided. */
export interface RemovalResolution {
  /** The removals that count, in the order given. */
  readonly counted: RevokeEvent[];
  /** Per removed device, the cut every device uses. */
  readonly cuts: Map<DeviceKey, number>;
}

/**
 * Bytes every entry holding a removal contains: the op as ops.ts encodes it
 * (`["dr", key, upTo]`: the text "dr", then a 32-byte string header). Lets
 * storage find the few entries with removals without decoding the rest; a
 * match is only a candidate (the bytes may occur elsewhere), decoded to be sure.
 */
export const REVOKE_TAG: Uint8Array = new Uint8Array([0x62, 0x64, 0x72, 0x58, 0x20]);

/** The removals in `entry`. */
export function revokeEvents(entry: Entry): RevokeEvent[] {
  const out: RevokeEvent[] = [];
  for (const op of entry.ops) {
    if (op.type !== "device.revoke") continue;
    out.push({
      author: entry.author,
      seq: entry.seq,
      subject: op.device,
      upTo: op.upTo,
      wall: entry.hlc.wall,
      counter: entry.hlc.counter,
    });
  }
  return out;
}

/** True when `entry` holds a removal. */
export function hasRevoke(entry: Entry): boolean {
  return entry.ops.some((op) => op.type === "device.revoke");
}

/**
 * Decide which of `events` count, given cuts already fixed by a checkpoint
 * (`fixed`: subject → cut). See the module doc.
 */
export function resolveRemovals(
  events: readonly RevokeEvent[],
  fixed: ReadonlyMap<DeviceKey, number> = new Map(),
): RemovalResolution {
  const bySubject = new Map<DeviceKey, number[]>();
  events.forEach((e, i) => {
    const list = bySubject.get(e.subject);
    if (list) list.push(i);
    else bySubject.set(e.subject, [i]);
  });
  const attackers = events.map((e) =>
    (bySubject.get(e.author) ?? []).filter((j) => e.seq > events[j].upTo)
  );
  // undefined: undecided; true: counts; false: does not.
  const label: (boolean | undefined)[] = events.map((e) => {
    const cut = fixed.get(e.author);
    return cut !== undefined && e.seq > cut ? false : undefined;
  });
  for (let changed = true; changed;) {
    changed = false;
    for (let i = 0; i < events.length; i++) {
      if (label[i] !== undefined) continue;
      if (attackers[i].some((j) => label[j] === true)) label[i] = false;
      else if (attackers[i].every((j) => label[j] === false)) label[i] = true;
      else continue;
      changed = true;
    }
  }
  const counted = events.filter((_, i) => label[i] !== false);
  const cuts = new Map<DeviceKey, number>(fixed);
  for (const e of counted) {
    const had = cuts.get(e.subject);
    if (had === undefined || e.upTo < had) cuts.set(e.subject, e.upTo);
  }
  return { counted, cuts };
}
