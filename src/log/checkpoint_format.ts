/**
 * @module checkpoint_format
 * What a checkpoint's writer (checkpoint_encode.ts) and reader
 * (checkpoint_decode.ts) share: the signing context, the CBOR bounds both
 * sides hold to, the decoded shape, and the reader's shape checks that the
 * parts' decoders (checkpoint_spaces.ts, checkpoint_members.ts) use too.
 * Kept apart so the writer and the reader agree on the numbers without
 * importing each other.
 */

import { utf8 } from "../bytes.ts";
import { type CborLimits, DEFAULT_CBOR_LIMITS } from "./cbor.ts";
import type { DeviceKey } from "./device_key.ts";
import { MycelError } from "../errors.ts";
import type { MemoryState } from "./state_memory.ts";

/** Prefix of the signed bytes: the signature is over `CONTEXT || body`. */
export const CHECKPOINT_CONTEXT = utf8("mycel/checkpoint/v1\0");
/**
 * Bounds of a checkpoint's CBOR, written and read alike. Wider than the
 * profile's default (16 MiB, 2^20 items): a checkpoint is the whole state,
 * and a synced folder's file versions alone take about 190 bytes and 5
 * items a file, so 16 MiB stopped at about 85,000 files (no new device
 * could pair, no device far behind catch up). 64 MiB (about 350,000 files)
 * is a session's budget of entries too (exchange_send.ts), so a member's
 * checkpoint costs a receiver no more than a session of entries; 2^21
 * items bound the decoded objects (2^21 empty arrays, the worst case,
 * decoded in 0.1–0.5 s and 100–200 MiB of RSS here; the default's 2^20 in
 * about 0.1 s and 60 MiB).
 */
export const CHECKPOINT_LIMITS: CborLimits = Object.freeze({
  maxBytes: 64 << 20,
  maxDepth: DEFAULT_CBOR_LIMITS.maxDepth,
  maxNodes: 1 << 21,
});
/** Largest checkpoint accepted (bytes); the heads' signed entries count in it. */
export const MAX_CHECKPOINT_BYTES = CHECKPOINT_LIMITS.maxBytes;
/** Most authors a checkpoint may name. */
export const MAX_AUTHORS = 100_000;

/** A chain head a checkpoint covers. */
export interface FrontierHead {
  readonly author: DeviceKey;
  readonly seq: number;
  readonly hash: Uint8Array;
  /**
   * The author's own signed entry at `seq` (its exact bytes): proof that the
   * head exists, so a member can't make up a head (a forged hash would make
   * that device's later entries stop linking wherever it was taken).
   * Checked on decoding: that author, that seq, that hash, its signature.
   */
  readonly proof?: Uint8Array;
}

/** A decoded checkpoint. */
export interface Checkpoint {
  /** The mesh it belongs to. */
  readonly mesh: string;
  /** The member that made and signed it. */
  readonly signer: DeviceKey;
  /** When (signer's wall clock, ms). */
  readonly made: number;
  /** Chain heads covered. */
  readonly frontier: FrontierHead[];
  /** The state. */
  readonly state: MemoryState;
  /** The exact signed bytes. */
  readonly bytes: Uint8Array;
}

/** The one error a checkpoint that can't be read raises. */
export function bad(reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_checkpoint", "read checkpoint", reason, { cause });
}

/** `x` as an array of at most `max` items, else a bad checkpoint. */
export const list = (x: unknown, what: string, max = 10_000_000): unknown[] => {
  if (!Array.isArray(x) || x.length > max) throw bad(`${what} malformed`);
  return x;
};
/** `x` as a non-negative safe integer, else a bad checkpoint. */
export const count = (x: unknown, what: string): number => {
  if (!Number.isSafeInteger(x) || (x as number) < 0) throw bad(`${what} must be a count`);
  return x as number;
};
