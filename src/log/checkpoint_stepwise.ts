/**
 * @module checkpoint_stepwise
 * A whole checkpoint (checkpoint.ts) made a step at a time, for a process
 * that answers others meanwhile (a `sync serve --listen`:
 * storage/whole_checkpoint.ts turns its event loop at each step). Made in
 * one piece (checkpoint_encode.ts `makeCheckpoint`), a state near the 64 MiB
 * a checkpoint may hold held the process for seconds: no accepts, no
 * handshakes, no other session.
 *
 * The same bytes as `makeCheckpoint` for the same rows, frontier, meta and
 * signer. A CBOR array is its head, then its items' bytes, and the encoder
 * carries nothing from one value to the next: so each list's rows are
 * encoded a batch at a time as they are read (about {@link BREATH_BYTES}
 * each, a step) and joined under their list's head. Devices enter the
 * author table in the same order (the keyspace rows, then seen, members and
 * heads, then the folder rows), and the bounds are those of the whole
 * encoding: a batch's depth counted from where its rows sit in the body, the
 * items and bytes summed (past them, `checkpoint_too_large`, as before).
 */

import { arrayHead } from "./cbor.ts";
import {
  Authors,
  checkpointTooLarge,
  encodeSeenMembersHeads,
  encodeWithin,
} from "./checkpoint_encode.ts";
import { CHECKPOINT_LIMITS, type FrontierHead, MAX_CHECKPOINT_BYTES } from "./checkpoint_format.ts";
import { BREATH_BYTES } from "./checkpoint_parts.ts";
import { floorRows, parkedRows, versionRows } from "./checkpoint_spaces.ts";
import { folderRowLists } from "./folder_checkpoint.ts";
import type { StateRows } from "./state_rows.ts";

/** Encoded pieces of the body, in order, with the CBOR items they hold. */
interface Run {
  pieces: Uint8Array[];
  bytes: number;
  nodes: number;
}

/** Bytes counted so far (encoded, or weighed: {@link weigh}). */
interface Tally {
  bytes: number;
}

/**
 * The CBOR items of `x` as the encoder counts them (an array or map is one,
 * a map's key one more), adding about its encoded size (at least its text
 * and byte strings) to `w.bytes`: where a batch ends is decided from this
 * before it is encoded.
 */
function weigh(x: unknown, w: Tally): number {
  if (typeof x === "string" || x instanceof Uint8Array) {
    w.bytes += x.length + 1;
    return 1;
  }
  if (Array.isArray(x)) {
    let n = 1;
    w.bytes++;
    for (const y of x) n += weigh(y, w);
    return n;
  }
  if (x !== null && typeof x === "object") {
    let n = 1;
    for (const [k, y] of Object.entries(x)) {
      w.bytes += k.length + 1;
      n += 1 + weigh(y, w);
    }
    return n;
  }
  w.bytes += 3;
  return 1;
}

/**
 * `values` encoded as a run of items without their array's head, the items
 * sitting `at` levels deep in the body (the depth bound counts from there).
 */
function encodeRun(values: unknown[], at: number): Uint8Array {
  const limits = { ...CHECKPOINT_LIMITS, maxDepth: CHECKPOINT_LIMITS.maxDepth - at + 1 };
  return encodeWithin(values, limits).subarray(arrayHead(values.length).length);
}

/** {@link encodeRun} of a few small fields, with the items they hold. */
function items(values: unknown[], at: number): Run {
  const bytes = encodeRun(values, at);
  return { pieces: [bytes], bytes: bytes.length, nodes: weigh(values, { bytes: 0 }) - 1 };
}

/**
 * Rows at most in one step: reading a row costs more than its bytes say
 * (170,000 rows of about 30 B, 5.5 MB, took 0.74 s, in steps of 1 MiB held
 * the event loop 150 ms at a time).
 */
const STEP_ROWS = 2048;

/**
 * A list of `rows` sitting `at` levels deep, encoded a batch of about
 * `breath` bytes (or {@link STEP_ROWS} rows) at a time: `null` after each
 * batch (a step).
 */
function* list(
  rows: Iterable<unknown[]>,
  at: number,
  tally: Tally,
  breath: number,
): Generator<null, Run, void> {
  const out: Run = { pieces: [], bytes: 0, nodes: 1 };
  let count = 0, batch: unknown[][] = [];
  const weight: Tally = { bytes: 0 };
  const flush = () => {
    const bytes = encodeRun(batch, at);
    out.pieces.push(bytes);
    out.bytes += bytes.length;
    count += batch.length;
    tally.bytes += bytes.length;
    if (tally.bytes > MAX_CHECKPOINT_BYTES) throw checkpointTooLarge();
    batch = [];
    weight.bytes = 0;
  };
  for (const row of rows) {
    batch.push(row);
    out.nodes += weigh(row, weight);
    if (weight.bytes >= breath || batch.length >= STEP_ROWS) {
      flush();
      yield null;
    }
  }
  if (batch.length > 0) flush();
  const head = arrayHead(count);
  return { pieces: [head, ...out.pieces], bytes: out.bytes + head.length, nodes: out.nodes };
}

/** Runs joined in order. */
function joined(runs: Run[]): Run {
  const out: Run = { pieces: [], bytes: 0, nodes: 0 };
  for (const r of runs) {
    for (const p of r.pieces) out.pieces.push(p);
    out.bytes += r.bytes;
    out.nodes += r.nodes;
  }
  return out;
}

/** Runs joined under the head of an array of `n` items (what the runs hold). */
function array(n: number, runs: Run[]): Run {
  const head = arrayHead(n);
  return joined([{ pieces: [head], bytes: head.length, nodes: 1 }, ...runs]);
}

/**
 * The unsigned body of a checkpoint of `rows` covering `frontier`, made by
 * the device whose public key is `signerKey`: `null` at each step, the body
 * as the return value (storage/whole_checkpoint.ts signs it with
 * checkpoint_encode.ts `signBody`). `rows` must read one unchanging state
 * across the steps (a snapshot of their own).
 */
export function* checkpointBodyStepwise(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
  signerKey: Uint8Array,
  breath = BREATH_BYTES,
): Generator<null, Uint8Array, void> {
  const a = new Authors();
  const of = (hex: string) => a.of(hex);
  const tally: Tally = { bytes: 0 };
  const versions = yield* list(versionRows(rows, of), 2, tally, breath);
  const parked = yield* list(parkedRows(rows, of), 2, tally, breath);
  const floors = yield* list(floorRows(rows, of), 2, tally, breath);
  const { seen, members, heads } = encodeSeenMembersHeads(rows, frontier, a);
  const folders: Run[] = [];
  for (const l of folderRowLists(rows.folders(), of)) {
    folders.push(yield* list(l, 3, tally, breath));
  }
  // Left out when there is no folder state (a 13-field checkpoint).
  const withFolders = folders.some((l) => l.nodes > 1);
  const body = array(withFolders ? 14 : 13, [
    items(["mycel-checkpoint", 1, meta.mesh, signerKey, meta.made, a.list, heads], 1),
    versions,
    parked,
    floors,
    items([seen, rows.appsAll(), members], 1),
    ...(withFolders ? [array(4, folders)] : []),
  ]);
  if (body.nodes > CHECKPOINT_LIMITS.maxNodes || body.bytes > MAX_CHECKPOINT_BYTES) {
    throw checkpointTooLarge();
  }
  const out = new Uint8Array(body.bytes);
  let at = 0;
  for (const p of body.pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
