/**
 * @module sync_heads
 * Heads: for each author a device holds entries of, the latest seq and that
 * entry's hash — a version vector with hashes, so a fork shows up as equal
 * seqs with different hashes. After the handshake both sides first compare a
 * 16-byte digest of their heads (and of the removals they keep aside past a
 * cut, which travel as evidence); only when the digests differ do they send
 * the heads themselves, in as many `heads` messages as needed (so there is no
 * limit on authors but {@link MAX_AUTHORS}).
 *
 * Wire form of one message's rows: `[authorKey (32 bytes), seq, hash (32)]`,
 * strictly ascending by key within a message and across a session's messages,
 * which makes the encoding canonical and rejects a repeated author.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { compareBytes } from "../bytes.ts";
import { DeviceKey } from "../log/device_key.ts";
import {
  badMessage,
  expectArray,
  expectCount,
  expectFixedBytes,
  MAX_HEADS,
} from "./sync_fields.ts";

/** One author's head: its latest seq and the hash of that entry. */
export interface Head {
  /** Latest seq held, from 1. */
  readonly seq: number;
  /** SHA-256 of the entry at `seq` (32 bytes). */
  readonly hash: Uint8Array;
}

/** Author → head. */
export type Heads = Map<DeviceKey, Head>;

/** Heads sorted by author key (the wire and digest order). */
export function sortedHeads(heads: Heads): [DeviceKey, Head][] {
  return [...heads].sort(([a], [b]) => a.compare(b));
}

/** The 16-byte digest both sides compare before sending heads. */
export function headsDigest(heads: Heads, evidence: readonly Uint8Array[] = []): Uint8Array {
  const h = sha256.create();
  const seq = new Uint8Array(8);
  const view = new DataView(seq.buffer);
  for (const [author, head] of sortedHeads(heads)) {
    view.setFloat64(0, head.seq);
    h.update(author.bytes).update(seq).update(head.hash);
  }
  if (evidence.length > 0) {
    // Removals kept aside past a cut count too (src/log/removals.ts): two
    // devices holding different ones differ, though their chains agree.
    h.update(EVIDENCE_MARK);
    for (const e of [...evidence].sort(compareBytes)) h.update(e);
  }
  return h.digest().slice(0, 16);
}

const EVIDENCE_MARK = new TextEncoder().encode("mycel/evidence");

/**
 * Rows of one `heads` message, checked; `after` is the last author of the
 * previous message (rows must continue ascending).
 */
export function headsFromWire(raw: unknown, after?: DeviceKey): [DeviceKey, Head][] {
  if (!Array.isArray(raw)) throw badMessage("heads must be a CBOR array");
  if (raw.length > MAX_HEADS) {
    throw badMessage(`a heads message lists more than ${MAX_HEADS} authors`);
  }
  const out: [DeviceKey, Head][] = [];
  let last = after?.bytes;
  for (const row of raw) {
    const [keyRaw, seqRaw, hashRaw] = expectArray(row, "head", 3, "read");
    const key = expectFixedBytes(keyRaw, "head author", 32, "read");
    if (last !== undefined && compareBytes(last, key) >= 0) {
      throw badMessage("head authors must be sorted and distinct");
    }
    last = key;
    out.push([DeviceKey.of(key), {
      seq: expectCount(seqRaw, "head seq", "read"),
      hash: expectFixedBytes(hashRaw, "head hash", 32, "read"),
    }]);
  }
  return out;
}
