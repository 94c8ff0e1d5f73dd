/**
 * @module base_state
 * The base a refold starts from: an unsigned checkpoint kept only locally
 * (never sent) in the `base_state` row — the checkpoints a home was brought
 * up from, joined, or what a compaction left. Read and written inside the
 * caller's transaction.
 *
 * A base taken from a checkpoint in parts (a state over 64 MiB: a device
 * paired into such a mesh) is kept as it came: its head in `base_state`,
 * its parts in `base_parts` (made on first use), so no row holds more than
 * a part. So is a base a compaction or a later checkpoint leaves when the
 * state is past one checkpoint's bounds. {@link readBaseCheckpoint} reads
 * either form.
 */

import {
  type Checkpoint,
  type FrontierHead,
  makeCheckpoint,
  readCheckpoint,
} from "../log/checkpoint.ts";
import { makePartedCheckpoint, type PartedCheckpoint } from "../log/checkpoint_parts.ts";
import { estimateRows, pastBounds } from "../log/checkpoint_rows_estimate.ts";
import { isPartedHead, PartReader, readPartedHead } from "../log/checkpoint_parts_decode.ts";
import { isMycelError } from "../errors.ts";
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

/** A base as encoded: one unsigned checkpoint, or one in parts (made again as stored). */
export type EncodedBase = Uint8Array | PartedCheckpoint;

/**
 * Encode a base: an unsigned checkpoint, kept only locally (never sent). A
 * state past one checkpoint's bounds (64 MiB) is kept in parts, as a base
 * taken in parts at pairing is: before, compacting such a home, or joining a
 * checkpoint into its base, failed with `checkpoint_too_large` — and `sync
 * now` compacts after its round, so every round of it failed once its
 * entries were 90 days old. A state whose rows alone are past the bounds
 * (a lower bound: log/checkpoint_rows_estimate.ts) goes into parts at once:
 * making it whole first held up to 64 MiB of rows and their CBOR for
 * nothing (a compaction of 68 MB of state: 546–566 MiB max RSS, 430–473 MiB
 * going to parts at once). Any other state is tried whole first, as before:
 * a base that fits is the same bytes.
 */
export async function encodeBase(
  state: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
): Promise<EncodedBase> {
  if (!pastBounds(estimateRows(state))) {
    try {
      return await makeCheckpoint(state, frontier, meta, UNSIGNED);
    } catch (e) {
      if (!isMycelError(e, "checkpoint_too_large")) throw e;
    }
  }
  return await makePartedCheckpoint(state, frontier, meta, UNSIGNED);
}

/**
 * Replace the base a refold starts from (inside the caller's transaction).
 * A base in parts is stored a part at a time as its parts are made again
 * (`state` must not have changed since {@link encodeBase}).
 */
export function storeBase(db: Db, base: EncodedBase): void {
  if (!(base instanceof Uint8Array)) {
    storeBaseHead(db, base.head);
    let n = 0;
    for (const part of base.parts()) storeBasePart(db, n++, part);
    return;
  }
  db.prepare("INSERT OR REPLACE INTO base_state VALUES (1, ?)").run(base);
  if (hasParts(db)) db.exec("DELETE FROM base_parts");
}

function hasParts(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'base_parts'")
    .get() !== undefined;
}

/** Keep a base in parts: its head, then each part in order (`n` from 0). */
export function storeBaseHead(db: Db, head: Uint8Array): void {
  db.exec("CREATE TABLE IF NOT EXISTS base_parts (n INTEGER PRIMARY KEY, bytes BLOB NOT NULL)");
  db.prepare("INSERT OR REPLACE INTO base_state VALUES (1, ?)").run(head);
  db.exec("DELETE FROM base_parts");
}

/** Keep part `n` of a base in parts (after {@link storeBaseHead}). */
export function storeBasePart(db: Db, n: number, bytes: Uint8Array): void {
  db.prepare("INSERT INTO base_parts VALUES (?, ?)").run(n, bytes);
}

/** The parts of a base in parts, in order, one at a time (none for a base in one piece). */
export function* readBaseParts(db: Db): Generator<Uint8Array> {
  if (!hasParts(db)) return;
  const rows = db.prepare("SELECT bytes FROM base_parts ORDER BY n").iterate();
  for (const row of rows as Iterable<{ bytes: Uint8Array }>) yield row.bytes;
}

/** The heads a base covers (of either form), without reading its parts. */
export async function readBaseFrontier(db: Db): Promise<FrontierHead[] | undefined> {
  const bytes = readBase(db);
  if (bytes === undefined) return undefined;
  if (isPartedHead(bytes)) return (await readPartedHead(bytes, { unsigned: true })).frontier;
  return (await readCheckpoint(bytes, { unsigned: true })).frontier;
}

/**
 * The base as one checkpoint, of either form. A base in parts is put together
 * in memory: only what needs the whole base (a refold, a compaction, a merge
 * with a later checkpoint) reads it so.
 */
export async function readBaseCheckpoint(db: Db): Promise<Checkpoint | undefined> {
  const bytes = readBase(db);
  if (bytes === undefined) return undefined;
  if (!isPartedHead(bytes)) return await readCheckpoint(bytes, { unsigned: true });
  const head = await readPartedHead(bytes, { unsigned: true });
  const reader = new PartReader(head);
  for (const part of readBaseParts(db)) reader.take(part, head.state);
  reader.end();
  const { mesh, signer, made, frontier, state } = head;
  return { mesh, signer, made, frontier, state, bytes };
}
