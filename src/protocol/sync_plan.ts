/**
 * @module sync_plan
 * Pure comparisons of two heads maps: which entries to send the peer, and
 * which authors have forked (two different entries at one `(author, seq)`,
 * e.g. a device restored from a backup kept writing). Results are sorted by
 * author so that both the transfer order and fork reports are deterministic.
 */

import { bytesEqual } from "../bytes.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { Heads } from "./sync_heads.ts";

/** Entries of `author` with seq in `(afterSeq, toSeq]` are to be sent. */
export interface TransferRange {
  /** Whose entries. */
  readonly author: DeviceId;
  /** The peer's head seq for this author (0 when it has none). */
  readonly afterSeq: number;
  /** Our head seq for this author. */
  readonly toSeq: number;
}

/** One author whose log differs between us and the peer at `seq`. */
export interface Fork {
  /** Whose log forked. */
  readonly author: DeviceId;
  /** The seq at which the two hashes differ (the peer's head seq). */
  readonly seq: number;
  /** Hash of our entry at `seq`. */
  readonly localHash: Uint8Array;
  /** Hash of the peer's entry at `seq`. */
  readonly remoteHash: Uint8Array;
}

// Code-unit order, not localeCompare: the result must not depend on the locale.
function byAuthor(a: { author: string }, b: { author: string }): number {
  return a.author < b.author ? -1 : a.author > b.author ? 1 : 0;
}

/**
 * What to send: for each author where our seq is above the peer's (or the
 * peer has none), the range `(remoteSeq, localSeq]`. Forks are not excluded
 * here — the peer's chain check refuses entries that do not link onto its
 * log — so callers that care run {@link divergent} first.
 */
export function planTransfer(local: Heads, remote: Heads): TransferRange[] {
  const plan: TransferRange[] = [];
  for (const [author, head] of local) {
    const afterSeq = remote.get(author)?.seq ?? 0;
    if (head.seq > afterSeq) plan.push({ author, afterSeq, toSeq: head.seq });
  }
  return plan.sort(byAuthor);
}

/**
 * Authors whose logs forked, as far as the heads can tell: the peer's head
 * seq is at or below ours and its hash differs from our entry at that seq.
 * `hashAt(author, seq)` looks up our own entry's hash (undefined when we no
 * longer have it, e.g. compacted: then nothing can be said). When the peer is
 * ahead, a fork shows up later, as entries that do not chain onto ours.
 */
export function divergent(
  local: Heads,
  remote: Heads,
  hashAt: (author: DeviceId, seq: number) => Uint8Array | undefined,
): Fork[] {
  const forks: Fork[] = [];
  for (const [author, theirs] of remote) {
    const ours = local.get(author);
    if (ours === undefined || theirs.seq > ours.seq) continue;
    // At equal seqs our head already holds the hash: no lookup needed.
    const localHash = theirs.seq === ours.seq ? ours.hash : hashAt(author, theirs.seq);
    if (localHash !== undefined && !bytesEqual(localHash, theirs.hash)) {
      forks.push({ author, seq: theirs.seq, localHash, remoteHash: theirs.hash });
    }
  }
  return forks.sort(byAuthor);
}
