/**
 * @module head_proof
 * A checkpoint's head comes with its author's signed entry there (the
 * proof, src/log/checkpoint.ts) unless its sender knew we hold that very
 * head (home_checkpoint.ts, `frontierOf`). The base we store from it must
 * still keep every entry we have: for a chain held only as far as the base
 * it is the one copy, and our own checkpoints need it (a newcomer, or a peer
 * whose chain ends elsewhere, refuses a head without it).
 */

import { bytesEqual } from "../bytes.ts";
import type { FrontierHead } from "../log/checkpoint.ts";
import type { SqlLog } from "./sql_log.ts";

/**
 * `h` with its author's signed entry, where `h` came without one (its sender
 * knew we hold that head) and this home has it: in the log, or in `kept`,
 * the head our base held. A base keeps the entries of the heads it covers,
 * for the chains held only that far: they go into our checkpoints.
 */
export function withProof(h: FrontierHead, log: SqlLog, kept?: FrontierHead): FrontierHead {
  if (h.proof !== undefined) return h;
  const held = log.hashAt(h.author, h.seq);
  const logged = held !== undefined && bytesEqual(held, h.hash)
    ? log.entryAt(h.author, h.seq)
    : undefined;
  if (logged !== undefined) return { ...h, proof: logged };
  if (kept?.proof !== undefined && kept.seq === h.seq && bytesEqual(kept.hash, h.hash)) {
    return { ...h, proof: kept.proof };
  }
  return h;
}
