/**
 * @module membership
 * Who is in the mesh and what each device's record says, as pure merge rules.
 *
 * - Admission: any member may admit a device (`device.add`). Of several
 *   admissions of one device the fold keeps one, picked by a total order
 *   (made by another device first, then oldest stamp, then admitter), so
 *   every device keeps the same one whatever order they arrived in.
 * - Record fields: the admission supplies the first values; after that only
 *   entries signed by the device itself change them (`device.update`, or its
 *   own `device.add`). A self-written field always beats the admission's, and
 *   later self-writes (higher seq) beat earlier ones. So no member can point
 *   another device's keys, name or endpoints anywhere: decode refuses an
 *   update of another device, and an admission cannot override fields the
 *   device already published about itself.
 * - Admissions that disagree: two admissions by other devices that give a
 *   device different keys (Noise or WireGuard) are a member's attempt to
 *   put its own keys on a device that has not announced its own yet (a
 *   backdated admission wins the order). The kept admission is then marked
 *   `contested` and gives no keys: until the device's own entry announces
 *   them, nobody's key is taken for it (sessions with it wait) — never the
 *   attacker's. Honest admissions of one device (by pairing, or by cards)
 *   carry the same keys. Whether a set of admissions disagrees depends on
 *   the set, not on its order: each arriving admission is compared with the
 *   kept one, which all earlier ones agreed with unless already contested.
 * - Removal is permanent (2P-set: removed wins over any admission, a revoked
 *   key never comes back). Its cut — the removed device's entries that stay
 *   valid — is the minimum `upTo` of the removals of it that count: a later
 *   removal can only narrow it, never re-open entries past an earlier cut.
 *   Which removals count when they race (two devices removing each other, a
 *   removal written by a device cut before it) is decided by removals.ts the
 *   same way on every device; folding applies the removals it meets, and a
 *   fold from scratch (rebuild.ts) settles races. An honest removal's `upTo`
 *   is what its author had seen; a removal cuts no lower than what its
 *   author's own entries show it had seen (`witnessed`, witness.ts), so a
 *   stolen member can't erase those either.
 */

import type { DeviceKey } from "./device_key.ts";
import { DEVICE_FIELDS, type DeviceFields, type DeviceRecord } from "./device_record.ts";

/** The admission the fold keeps for a device. */
export interface Admission {
  /** The admitting device. */
  readonly by: DeviceKey;
  /** Stamp of the admitting entry. */
  readonly wall: number;
  readonly counter: number;
  /** The record as the admission gave it. */
  readonly fields: DeviceFields;
  /** Admissions by other devices gave it different keys: its keys come only from itself. */
  readonly contested?: true;
}

/** The removal of a device: the earliest removal event, and the cut of all of them. */
export interface Removal {
  /** Who removed it (earliest removal). */
  readonly by: DeviceKey;
  /** Stamp of that removal. */
  readonly wall: number;
  readonly counter: number;
  /** Entries of the removed device with seq ≤ cut stay valid (minimum over removals). */
  readonly cut: number;
}

/** A field the device wrote about itself, with the seq of the entry that wrote it. */
export interface SelfField {
  readonly seq: number;
  readonly value: DeviceFields[keyof DeviceFields];
}

/** What the fold keeps per device. */
export interface MemberRow {
  /** The admission kept, if any arrived. */
  readonly added?: Admission;
  /** The removal, if any arrived. */
  readonly removed?: Removal;
  /** Fields the device wrote itself, newest per field. */
  readonly self: Partial<Record<keyof DeviceFields, SelfField>>;
  /**
   * Per other device (hex), the highest seq of it this device's folded
   * entries name: what it had provably seen (witness.ts). Its removals cut no
   * lower. Not part of the state digest (see state_digest.ts).
   */
  readonly witnessed?: Readonly<Record<string, number>>;
}

/** An empty row. */
export const EMPTY_MEMBER: MemberRow = Object.freeze({ self: Object.freeze({}) });

function admissionOrder(a: Admission, subject: DeviceKey): (string | number)[] {
  return [a.by === subject ? 1 : 0, a.wall, a.counter, a.by.hex];
}

function less(a: (string | number)[], b: (string | number)[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/** The fields two admissions must agree on. */
const KEY_FIELDS = ["noiseKey", "wgKey"] as const;

/** Fold an admission of `subject` into its row (see the module comment on `contested`). */
export function admit(row: MemberRow, subject: DeviceKey, a: Admission): MemberRow {
  const kept = row.added;
  if (kept === undefined) return { ...row, added: a };
  const contested = kept.contested === true || a.contested === true ||
    (kept.by !== subject && a.by !== subject &&
      KEY_FIELDS.some((f) => kept.fields[f] !== a.fields[f]));
  const first = less(admissionOrder(a, subject), admissionOrder(kept, subject)) ? a : kept;
  if (first === kept && (kept.contested === true || !contested)) return row;
  return { ...row, added: contested ? { ...first, contested: true } : first };
}

/** Fold a removal (`upTo` = the remover's view of the device's log) into its row. */
export function remove(
  row: MemberRow,
  r: { by: DeviceKey; wall: number; counter: number; upTo: number },
): MemberRow {
  const prev = row.removed;
  const cut = prev === undefined ? r.upTo : Math.min(prev.cut, r.upTo);
  const earlier = prev === undefined ||
    less([r.wall, r.counter, r.by.hex], [prev.wall, prev.counter, prev.by.hex]);
  const event = earlier ? r : prev;
  return { ...row, removed: { by: event.by, wall: event.wall, counter: event.counter, cut } };
}

/** Fold fields a device wrote about itself in its entry `seq`. */
export function writeSelf(row: MemberRow, seq: number, fields: Partial<DeviceFields>): MemberRow {
  let self = row.self;
  for (const f of DEVICE_FIELDS) {
    const value = fields[f];
    if (value === undefined) continue;
    const have = self[f];
    if (have !== undefined && have.seq > seq) continue;
    self = { ...self, [f]: { seq, value } };
  }
  return self === row.self ? row : { ...row, self };
}

/** True when the device is admitted and not removed. */
export function isMemberRow(row: MemberRow | undefined): boolean {
  return row?.added !== undefined && row.removed === undefined;
}

/**
 * True when entry `seq` of the device may be folded: it was admitted, and
 * the entry is within its cut if it was removed.
 */
export function mayFold(row: MemberRow | undefined, seq: number): boolean {
  if (row?.added === undefined) return false;
  return row.removed === undefined || seq <= row.removed.cut;
}

/** The record of `key` as the row says, or undefined before any admission. */
export function recordOf(key: DeviceKey, row: MemberRow | undefined): DeviceRecord | undefined {
  if (row?.added === undefined) return undefined;
  const fields = { ...row.added.fields };
  // Contested keys are nobody's until the device announces its own (below).
  if (row.added.contested) { for (const f of KEY_FIELDS) fields[f] = ""; }
  for (const f of DEVICE_FIELDS) {
    const own = row.self[f];
    if (own !== undefined) (fields as Record<string, unknown>)[f] = own.value;
  }
  return { key, id: key.id, ...fields };
}

/** Join two rows of the same device (state merge): the same result as folding both sides' entries. */
export function joinRows(subject: DeviceKey, a: MemberRow, b: MemberRow): MemberRow {
  let row = a;
  if (b.added !== undefined) row = admit(row, subject, b.added);
  if (b.removed !== undefined) {
    const r = b.removed;
    row = remove(row, { by: r.by, wall: r.wall, counter: r.counter, upTo: r.cut });
  }
  let self = row.self;
  for (const f of DEVICE_FIELDS) {
    const theirs = b.self[f];
    if (theirs !== undefined && (self[f] === undefined || self[f]!.seq < theirs.seq)) {
      self = { ...self, [f]: theirs };
    }
  }
  if (self !== row.self) row = { ...row, self };
  let witnessed = row.witnessed;
  for (const [hex, seq] of Object.entries(b.witnessed ?? {})) {
    if (seq > (witnessed?.[hex] ?? 0)) witnessed = { ...witnessed, [hex]: seq };
  }
  return witnessed === row.witnessed ? row : { ...row, witnessed };
}
