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
import type { FrontierHead } from "../log/checkpoint.ts";

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
