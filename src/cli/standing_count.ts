/**
 * @module standing_count
 * What one device's standing in a folder counts as the folder's winners go
 * by (`folder status`, folder_standing.ts): this device's (standing_self.ts)
 * and another's (standing_other.ts) are counted alike.
 */

import type { Winner } from "./folder_winners.ts";

/** What one device's standing counts as the folder's winners go by. */
export interface Counting {
  behindFiles: number;
  behindBytes: number;
  conflicts: number;
  heldBytes: number;
  fromSelf: number;
  readonly fromRemoved: Map<string, number>;
  add(w: Winner): void;
  /** Done after the last winner: what needed all of them (content held). */
  end(): void;
}

/** A count of nothing yet, with `add` and `end` to fill it. */
export function counting(
  behindFiles: number,
  behindBytes: number,
  add: (c: Counting, w: Winner) => void,
  end: (c: Counting) => void,
): Counting {
  const c: Counting = {
    behindFiles,
    behindBytes,
    conflicts: 0,
    heldBytes: 0,
    fromSelf: 0,
    fromRemoved: new Map(),
    add: (w) => add(c, w),
    end: () => end(c),
  };
  return c;
}
