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

/**
 * `h` with the signed entry of `kept`, the head our old base held, where
 * `h` came without one and `kept` is that same head (seq and hash).
 */
export function withProof(h: FrontierHead, kept?: FrontierHead): FrontierHead {
  if (h.proof !== undefined || kept?.proof === undefined) return h;
  return kept.seq === h.seq && bytesEqual(kept.hash, h.hash) ? { ...h, proof: kept.proof } : h;
}
