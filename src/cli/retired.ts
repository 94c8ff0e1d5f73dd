/**
 * @module retired
 * Whether a removal was a retirement (`mycel mesh retire`), for display
 * only. The replicated state keeps a removal's event (who, stamp, cut) but
 * not yet whether it was a retirement (the `device.retire` marker; see
 * src/log/ops.ts), so this looks for the marker in the remover's entry
 * with that stamp, found by bisection (a chain's stamps only grow). When
 * that entry is not held here (compacted, or the removal came in a
 * checkpoint), the answer is "removed".
 */

import { compareHlc } from "../crdt/hlc.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { Removal } from "../log/membership.ts";
import type { LogView } from "../storage/sql_log.ts";

/** True when `device`'s removal event is an entry that also retires it. */
export function wasRetired(log: LogView, device: DeviceKey, removal: Removal): boolean {
  const head = log.head(removal.by);
  if (head === undefined) return false;
  const want = { wall: removal.wall, counter: removal.counter, node: removal.by.hex };
  let lo = head.base + 1, hi = head.seq;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const raw = log.range(removal.by, mid - 1, mid, 1)[0];
    if (raw === undefined) return false;
    const e = decodeSignedEntry(raw).entry;
    const c = compareHlc(e.hlc, want);
    if (c === 0) {
      return e.ops.some((op) => op.type === "device.retire" && op.device === device);
    }
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
