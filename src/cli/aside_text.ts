/**
 * @module aside_text
 * How `mesh list` and `doctor` say why entries are kept aside, one wording
 * for both. Entries past a removal's cut are the removed device's entries
 * the remover did not hold when it removed it (docs/trust.md, "The cut"):
 * they may have been written long before the removal (a stolen phone's
 * change that reached only another device), so they are told by the cut,
 * never as "written after the removal". With several removals of a device
 * the cut is the smallest (src/log/membership.ts) and the remover named is
 * the earliest one's: the words then hold for the removal that cut lowest
 * only when that is the earliest.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { StateView } from "../log/state.ts";
import type { LogView } from "../storage/sql_log.ts";
import { wasRetired } from "./retired.ts";

/** `#4` for one entry, `#4–#9` for several. */
export function seqRange(from: number, to: number): string {
  return from === to ? `#${from}` : `#${from}–#${to}`;
}

/**
 * Why `author`'s entries past its cut are kept aside: the cut and the
 * device whose removal (or retirement) made it, named by `nameOf`.
 */
export function pastCutWhy(
  view: StateView,
  log: LogView,
  author: DeviceKey,
  nameOf: (k: DeviceKey) => string,
): string {
  const removed = view.member(author)?.removed;
  if (removed === undefined) return "past the cut of its removal";
  const by = nameOf(removed.by);
  return wasRetired(log, author, removed)
    ? `devices were known to hold its entries only up to #${removed.cut} when ${by} retired it`
    : `${by} held its entries only up to #${removed.cut} when it removed it`;
}
