/**
 * @module checkpoint
 * A signed checkpoint: the whole replicated state (every version with its
 * dot and stamp, parked dots, floors, the fold frontier, apps, membership)
 * plus the chain heads it covers, signed by the member that made it. A new
 * device — or one back after months — starts from one instead of replaying
 * history: O(state), not O(history).
 *
 * Wire form: `[body, signature]`, the signature Ed25519 over
 * `"mycel/checkpoint/v1\0" || body`. Device keys appear once in an author
 * table and are named by index. Each head may carry its author's signed
 * entry at that head (`[author, seq, hash, entry]`), checked when read.
 * Decoding is strict and bounded, and every value is validated as the op
 * decoder would (a member's checkpoint is trusted for its content, but
 * never to crash or bloat the receiver).
 *
 * The one path the rest of mycel imports checkpoints from. The writing
 * (checkpoint_encode.ts), the reading (checkpoint_decode.ts), the parts —
 * keyspaces (checkpoint_spaces.ts), member rows (checkpoint_members.ts),
 * folders (folder_checkpoint.ts) — and what writer and reader share
 * (checkpoint_format.ts) live apart.
 */

export {
  type Checkpoint,
  CHECKPOINT_LIMITS,
  type FrontierHead,
  MAX_AUTHORS,
  MAX_CHECKPOINT_BYTES,
} from "./checkpoint_format.ts";
export { makeCheckpoint } from "./checkpoint_encode.ts";
export { readCheckpoint } from "./checkpoint_decode.ts";
