/**
 * @module refold
 * Fold the state again from scratch, inside the caller's transaction. Needed
 * when a removal narrows a device's cut below entries already folded (they
 * arrived before the removal), or when a removal arrives in an entry that is
 * itself past a cut (removals racing: src/log/removals.ts decides which
 * count, the same way on every device). The fold itself is
 * src/log/rebuild.ts; this module feeds it from the database:
 *
 * - entries kept aside as past a cut or waiting for an admission come back
 *   as candidates where they link after their author's chain (a removal
 *   that no longer counts re-opens them; an admission may now hold);
 * - the removals are found without decoding every entry: only entries whose
 *   bytes hold the removal op's tag are decoded;
 * - the fold starts from the base checkpoint this home was brought up from,
 *   if any (entries it covers cannot be taken out again: see
 *   docs/trust.md, "Limits");
 * - what may not fold leaves the chains, kept aside (`past_cut`, or
 *   `waiting` for an admission), never dropped.
 */

import type { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry, type SignedEntry } from "../log/entry.ts";
import { rebuildState } from "../log/rebuild.ts";
import { REVOKE_TAG, type RevokeEvent, revokeEvents } from "../log/removals.ts";
import { mergeState } from "../log/state_merge.ts";
import type { Db } from "./db.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";
import { FOLDER_STATE_TABLES } from "./schema.ts";
import { lazyImport } from "../lazy_import.ts";

/**
 * Rebuild the state in `db` from its base checkpoint and stored entries.
 * `self` (this device) may fold its own first entries before any admission.
 */
export async function refold(db: Db, state: SqlState, log: SqlLog, self: DeviceKey): Promise<void> {
  log.restoreAside("past_cut", "waiting");
  const events: RevokeEvent[] = [];
  for (const bytes of log.containing(REVOKE_TAG)) {
    events.push(...revokeEvents(decodeSignedEntry(bytes).entry));
  }
  const baseState = (await (await lazyImport<typeof import("./base_state.ts")>(
    new URL("./base_state.ts", import.meta.url),
  )).readBaseCheckpoint(db))?.state;
  const heads = log.heads();
  await rebuildState(state, {
    authors: () => heads.keys(),
    read: (author, after, limit): SignedEntry[] => log.decoded(author, after, limit),
  }, {
    reset() {
      // Synced folders' state tables are cleared too (FOLDER_STATE_TABLES).
      const tables = ["versions", "parked", "floors", "seen", "apps", "members"];
      for (const t of [...tables, ...FOLDER_STATE_TABLES]) db.exec(`DELETE FROM ${t}`);
      state.invalidate();
      if (baseState !== undefined) mergeState(state, baseState);
    },
    events,
    trusted: new Set([self]),
  });
  // What could not be folded leaves the chains, kept aside.
  for (const [author, head] of heads) {
    const seen = state.seen(author);
    if (head.seq <= seen) continue;
    const row = state.member(author);
    const reason = row?.removed !== undefined && row.added !== undefined ? "past_cut" : "waiting";
    log.asideAfter(author, seen, reason);
    log.truncate(author, seen);
  }
}
