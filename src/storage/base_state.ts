/**
 * @module base_state
 * The base a refold starts from: an unsigned checkpoint kept only locally
 * (never sent) in the `base_state` row — the checkpoints a home was brought
 * up from, joined, or what a compaction left. Read and written inside the
 * caller's transaction.
 */

import { type FrontierHead, makeCheckpoint } from "../log/checkpoint.ts";
import type { Signer } from "../log/identity.ts";
import type { StateRows } from "../log/state_rows.ts";
import type { Db } from "./db.ts";

/** A signer for checkpoints kept only locally as a refold base (never sent). */
const UNSIGNED: Signer = {
  publicKey: new Uint8Array(32),
  sign: () => Promise.resolve(new Uint8Array(64)),
} as unknown as Signer;

/** The bytes of the base a refold starts from (an unsigned checkpoint), if any. */
export function readBase(db: Db): Uint8Array | undefined {
  const row = db.prepare("SELECT bytes FROM base_state WHERE id = 1").get() as
    | { bytes: Uint8Array }
    | undefined;
  return row?.bytes;
}

/** Encode a base: an unsigned checkpoint, kept only locally (never sent). */
export async function encodeBase(
  state: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
): Promise<Uint8Array> {
  return await makeCheckpoint(state, frontier, meta, UNSIGNED);
}

/** Replace the base a refold starts from (inside the caller's transaction). */
export function storeBase(db: Db, bytes: Uint8Array): void {
  db.prepare("INSERT OR REPLACE INTO base_state VALUES (1, ?)").run(bytes);
}
