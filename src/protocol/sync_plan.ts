/**
 * @module sync_plan
 * Deciding what to send a peer, from our chain heads and the heads it sent
 * (pure). For each author we are ahead on: the range of entries it lacks; if
 * it lacks entries we no longer hold (below our checkpoint base), or would
 * need so many that the state is smaller, a checkpoint instead. Where the
 * two chains disagree at a seq both hold, our entry there goes as evidence of
 * the fork (the peer keeps it aside); the rest of that author is not sent.
 */

import { bytesEqual } from "../bytes.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { Heads } from "./sync_heads.ts";

/** Our end of one chain. */
export interface OurHead {
  readonly seq: number;
  readonly hash: Uint8Array;
  /** Entries at or below this seq may be absent (covered by a checkpoint). */
  readonly base: number;
  readonly baseHash: Uint8Array | null;
}

/** Entries `after < seq <= upTo` of `author`. */
export interface Range {
  readonly author: DeviceKey;
  readonly after: number;
  readonly upTo: number;
}

/** What to send. */
export interface SendPlan {
  /** Send a checkpoint of our state (then no ranges). */
  readonly checkpoint: boolean;
  /** Entry ranges, in author order. */
  readonly ranges: Range[];
  /** Our entries at seqs where the chains disagree (fork evidence). */
  readonly evidence: { author: DeviceKey; seq: number }[];
  /** Entries the peer lacks in all. */
  readonly missing: number;
}

/**
 * Plan what to send. `hashAt` gives our entry's hash at a seq we hold;
 * `checkpointPays(missing)` says whether a checkpoint beats that many entries;
 * `self` is this device (whose own log a peer should never be ahead on).
 * With `noCheckpoint` (ours would be refused) chains the peer can only get in
 * a checkpoint are left out and the rest go as entries.
 */
export function planSend(
  ours: ReadonlyMap<DeviceKey, OurHead>,
  theirs: Heads,
  hashAt: (author: DeviceKey, seq: number) => Uint8Array | undefined,
  checkpointPays: (missing: number) => boolean,
  self?: DeviceKey,
  noCheckpoint = false,
): SendPlan {
  const ranges: Range[] = [];
  const evidence: { author: DeviceKey; seq: number }[] = [];
  let missing = 0;
  let needCheckpoint = false;
  const sorted = [...ours].sort(([a], [b]) => a.compare(b));
  for (const [author, head] of sorted) {
    const their = theirs.get(author);
    const theirSeq = their?.seq ?? 0;
    if (their !== undefined && theirSeq <= head.seq && theirSeq >= head.base) {
      const mine = theirSeq === head.base ? head.baseHash ?? undefined : hashAt(author, theirSeq);
      if (mine !== undefined && !bytesEqual(mine, their.hash)) {
        if (theirSeq > head.base) evidence.push({ author, seq: theirSeq });
        continue;
      }
    }
    if (theirSeq > head.seq && author === self && head.seq > head.base) {
      evidence.push({ author, seq: head.seq });
    }
    if (theirSeq >= head.seq) continue;
    missing += head.seq - theirSeq;
    if (theirSeq < head.base) needCheckpoint = true;
    else ranges.push({ author, after: theirSeq, upTo: head.seq });
  }
  const checkpoint = !noCheckpoint && (needCheckpoint || (missing > 0 && checkpointPays(missing)));
  return { checkpoint, ranges: checkpoint ? [] : ranges, evidence, missing };
}

/**
 * The order to read `ranges` in: steps of up to `step` entries of one range
 * at a time, every range advancing in proportion to its length, so the
 * entries of several authors go out mixed roughly as they were written
 * rather than author after author. (A receiver that gets one author's whole
 * history before another's has to park every dot the first observed of the
 * second, and look each up again when the second arrives.) Each range's
 * entries still go in seq order, as ingest needs.
 */
export function* interleave(ranges: readonly Range[], step = 64): Generator<Range> {
  const at = ranges.map((r) => r.after);
  const longest = Math.max(0, ...ranges.map((r) => r.upTo - r.after));
  for (let round = 1; (round - 1) * step < longest; round++) {
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i];
      // Where this range should be after `round` rounds: the longest moves `step` a round.
      const upTo = Math.min(
        r.upTo,
        r.after + Math.floor((round * step * (r.upTo - r.after)) / longest),
      );
      if (upTo <= at[i]) continue;
      yield { author: r.author, after: at[i], upTo };
      at[i] = upTo;
    }
  }
}
