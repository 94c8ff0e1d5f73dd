/**
 * @module checkpoint_member_bound
 * A mesh with more member rows than a checkpoint can hold. Every checkpoint,
 * and the head of a state in parts, holds all member rows (removed devices
 * keep theirs: removal is permanent), about 21 items each: past about
 * 99,800 of them no checkpoint can be made at all, whole or in parts. Any
 * member may admit devices, so one (stolen, or a script gone wrong) can
 * admit made-up ones by the thousand; then no new device can pair and no
 * base can be made for a compaction. Named here, before the CBOR encoder's
 * bound is hit, with who admitted them and the way out, instead of the
 * generic `checkpoint_too_large` whose hint (a smaller state) cannot help.
 */

import { isMycelError, MycelError } from "../errors.ts";
import { encodeMembers } from "./checkpoint_members.ts";
import { CHECKPOINT_LIMITS, MAX_AUTHORS } from "./checkpoint_format.ts";
import type { DeviceKey } from "./device_key.ts";
import type { MemberRow } from "./membership.ts";

/**
 * Most items member rows may take: a checkpoint's item bound less room for
 * what a head holds besides them (its seen seqs, heads with their entries,
 * apps), so a state whose other fields are small still fits.
 */
export const MEMBER_ITEMS_BOUND = CHECKPOINT_LIMITS.maxNodes - (1 << 16);

/** Items of an encoded CBOR value (as the encoder counts them, or more). */
function itemsOf(x: unknown): number {
  if (Array.isArray(x)) {
    let n = 1;
    for (const y of x) n += itemsOf(y);
    return n;
  }
  if (x !== null && typeof x === "object" && !(x instanceof Uint8Array)) {
    let n = 1;
    for (const y of Object.values(x)) n += 1 + itemsOf(y);
    return n;
  }
  return 1;
}

/**
 * Throw `mesh_too_many_members` when the member rows `encoded` (their wire
 * form) pass what one checkpoint or head can hold; `rows` name the devices
 * that admitted the most of them.
 */
export function checkMemberBound(
  encoded: readonly unknown[],
  rows: readonly [DeviceKey, MemberRow][],
): void {
  if (encoded.length <= MAX_AUTHORS && encoded.length * 8 < MEMBER_ITEMS_BOUND) return;
  const items = itemsOf(encoded);
  if (encoded.length <= MAX_AUTHORS && items <= MEMBER_ITEMS_BOUND) return;
  const by = new Map<DeviceKey, number>();
  for (const [, row] of rows) {
    if (row.added !== undefined) by.set(row.added.by, (by.get(row.added.by) ?? 0) + 1);
  }
  const top = [...by].sort((x, y) => y[1] - x[1]).slice(0, 3);
  const named = new Map(rows);
  const nameOf = (k: DeviceKey) => {
    const row = named.get(k);
    const name = row?.self.name?.value ?? row?.added?.fields.name;
    return typeof name === "string" && name !== "" ? name : k.short;
  };
  const admitters = top.map(([k, n]) => `${nameOf(k)} (${k.short}) admitted ${n}`).join(", ");
  throw new MycelError(
    "mesh_too_many_members",
    "make a checkpoint",
    `the mesh has ${encoded.length} devices (admitted or removed), more than one checkpoint ` +
      `holds (${items} items of member rows, at most ${MEMBER_ITEMS_BOUND}; ` +
      `at most ${MAX_AUTHORS} devices)`,
    {
      value: admitters || undefined,
      hint: "No new device can pair with this mesh and its history can't be compacted. " +
        "Removing devices does not help (a removed device keeps its row). If the devices that " +
        "admitted them are not yours, remove them (mycel mesh remove NAME) so they admit no " +
        "more, then start a new mesh: mycel init on a device you trust, and pair the others " +
        "into it (docs/trust.md, 'Too many members').",
    },
  );
}

/**
 * The `mesh_too_many_members` error a checkpoint of these member rows would
 * fail with, or undefined: for an inviter, before it admits a joiner it
 * could send no state (the admission would stay for good, unconfirmed).
 */
export function memberBoundProblem(
  rows: readonly [DeviceKey, MemberRow][],
): MycelError | undefined {
  if (rows.length <= MAX_AUTHORS && rows.length * 8 < MEMBER_ITEMS_BOUND) return undefined;
  const index = new Map<string, number>();
  const author = (hex: string) => {
    let i = index.get(hex);
    if (i === undefined) index.set(hex, i = index.size);
    return i;
  };
  try {
    checkMemberBound(encodeMembers(rows, author), rows);
    return undefined;
  } catch (e) {
    if (isMycelError(e, "mesh_too_many_members")) return e;
    throw e;
  }
}
