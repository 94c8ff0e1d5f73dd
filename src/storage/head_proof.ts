/**
 * @module head_proof
 * A checkpoint's head comes with its author's signed entry there (the
 * proof, src/log/checkpoint.ts), unless its sender left it out because we
 * hold that very head (exchange_send.ts, only when the checkpoint would
 * not fit otherwise). The base we store from it must still keep the entries
 * our old base had: for a chain held only as far as the base it is the one
 * copy, and our own checkpoints need it (a newcomer, or a peer whose chain
 * ends elsewhere, refuses a head without it). Entries our log holds need no
 * copy: a checkpoint of ours takes them from the log, and a compaction
 * writes them into the base before it drops them.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { FrontierHead } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { SqlLog } from "./sql_log.ts";

/** True when two heads are the same entry: equal seq and hash. */
export function sameHead(
  a: { readonly seq: number; readonly hash: Uint8Array },
  b: { readonly seq: number; readonly hash: Uint8Array } | undefined,
): boolean {
  return b !== undefined && a.seq === b.seq && bytesEqual(a.hash, b.hash);
}

/**
 * `frontier` with the signed entries of `old` (the heads our old base held)
 * put back where a head came without one and `old` held that same head
 * (seq and hash).
 */
export function keepProofs(
  frontier: readonly FrontierHead[],
  old: readonly FrontierHead[],
): FrontierHead[] {
  const kept = new Map(old.map((h) => [h.author, h]));
  return frontier.map((h) => {
    const k = kept.get(h.author);
    if (h.proof !== undefined || k?.proof === undefined) return h;
    return sameHead(h, k) ? { ...h, proof: k.proof } : h;
  });
}

/**
 * Refuse a checkpoint (whole, or a state head in parts) whose frontier
 * names a head this log holds with another hash: the same (author, seq)
 * signed twice, a fork (`checkpoint_conflict`). Heads past ours or below
 * where our chain starts say nothing here.
 */
export function refuseForkedFrontier(
  log: SqlLog,
  frontier: readonly {
    readonly author: DeviceKey;
    readonly seq: number;
    readonly hash: Uint8Array;
  }[],
): void {
  for (const f of frontier) {
    const ours = log.head(f.author);
    if (ours === undefined || f.seq > ours.seq || f.seq < ours.base) continue;
    const mine = f.seq === ours.base ? ours.baseHash : log.hashAt(f.author, f.seq);
    if (mine && !bytesEqual(mine, f.hash)) {
      throw new MycelError(
        "checkpoint_conflict",
        "take checkpoint",
        "it disagrees with an entry this device holds (a fork)",
        { value: `${f.author.short}#${f.seq}` },
      );
    }
  }
}
