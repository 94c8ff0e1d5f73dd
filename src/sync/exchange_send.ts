/**
 * @module exchange_send
 * The sending half of a sync exchange (exchange.ts): once the peer's heads
 * are known, what it lacks — raw entries read by index seek, several authors
 * interleaved roughly as written (sync_plan.ts), in bounded batches up to the
 * session's byte budget; or, for a peer far behind (or holding a removed
 * device past its cut, acks.ts), our signed checkpoint; then the removals we
 * keep aside past a cut, as evidence. The caller sends `end`.
 *
 * A peer whose `hi` says it takes parts gets one checkpoint only for a small
 * state ({@link WHOLE_UP_TO}), else the state in parts (cut once and spooled
 * to disk: storage/parts_spool.ts); an earlier release gets what it always
 * got: one checkpoint, or `checkpoint_too_large` when the state does not fit
 * one (64 MiB). A whole checkpoint is made a step at a time from a snapshot
 * of its own (storage/whole_checkpoint.ts), the same bytes as one made in
 * one piece: a member can leave the parts ability out of its `hi` and ask
 * for one at will, and made in one piece (up to 64 MiB) it stopped a `sync
 * serve --listen` for everyone else. For a peer without parts it goes
 * through the cut gate as a cut does (cut_gate.ts).
 *
 * Making a checkpoint of a large state takes longer than the peer's read
 * deadline (273 MB: 10.8-11.6 s at a load of 8-9 on 2 cores), during which
 * nothing goes out to that peer (the cut yields between parts, so the
 * process's other sessions go on: parts_spool.ts). So a peer whose `hi`
 * takes it first gets a `checkpoint wait`, and waits for the checkpoint
 * under the whole checkpoint's deadline instead (exchange_receive.ts); an
 * earlier one still has its read deadline.
 */

import { isMycelError } from "../errors.ts";
import { CHECKPOINT_LIMITS } from "../log/checkpoint_format.ts";
import type { SignedEntry } from "../log/entry.ts";
import { MAX_BATCH_ENTRIES } from "../protocol/sync_fields.ts";
import type { Heads } from "../protocol/sync_heads.ts";
import {
  ABILITY_CHECKPOINT_WAIT,
  ABILITY_PARTS,
  MAX_CHUNK,
  type SyncMessage,
} from "../protocol/sync_messages.ts";
import { interleave, planSend } from "../protocol/sync_plan.ts";
import type { Home } from "../storage/home_handle.ts";
import { checkpointRefused, offersRebase, theirHeadsFor } from "./acks.ts";
import { type Cut, leftWaiting, takeCut } from "./cut_gate.ts";
import { makeFailure } from "./exchange_stop.ts";
import { holdWhole } from "./whole_held.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { ExchangeOptions, ExchangeResult } from "./exchange_types.ts";

/** Bytes of entries one session sends at most (the next round continues). */
export const SESSION_BUDGET = 64 << 20;
/** A peer missing at most this many entries gets entries, never a checkpoint. */
export const CHECKPOINT_MIN = 5000;
/** Bytes per `entries` message. */
const BATCH_BYTES = 1 << 20;
/** Longest run of entries kept aside sent as evidence for one author. */
const MAX_EVIDENCE_RUN = 2000;

/** What the sending half works from. */
export interface SendContext {
  home: Home;
  o: ExchangeOptions;
  send: (msg: SyncMessage) => Promise<void>;
  /** Our heads when the session began. */
  heads: Heads;
  /** Entries kept aside that hold removals (log.evidence()). */
  evidence: readonly SignedEntry[];
  /** The peer's heads, once they have arrived. */
  theirs: Promise<Heads>;
  /** Filled in: sent, sentCheckpoint, more, newer, sentUpTo. */
  result: ExchangeResult;
  /** Called as our checkpoint begins to be made (exchange_our_end.ts). */
  onMaking?: () => void;
}

/** Send the peer what it lacks (everything but `end`). */
export async function sendLacking(c: SendContext): Promise<void> {
  const { home, o, result } = c;
  const their = await c.theirs;
  for (const [a, h] of their) if (h.seq > (c.heads.get(a)?.seq ?? 0)) result.newer.push(a);
  const adjusted = theirHeadsFor(home, o.peer, their);
  const plan = planSend(
    home.log.heads(),
    adjusted,
    (a, seq) => home.log.hashAt(a, seq),
    (missing) => missing > (o.checkpointMin ?? CHECKPOINT_MIN) && missing > 4 * home.stateSize(),
    home.device,
    checkpointRefused(home),
  );
  // A peer holding a removed device past its cut gets our state to re-base on (acks.ts).
  const withCheckpoint = plan.checkpoint || offersRebase(home, their, adjusted);
  if (withCheckpoint) await sendCheckpoint(c);
  else leftWaiting(home, o.peer);
  const batches = new Batches(c);
  for (const ev of plan.evidence) {
    const e = home.log.entryAt(ev.author, ev.seq);
    if (e !== undefined) await batches.add(e);
  }
  const ranges = withCheckpoint ? [] : plan.ranges;
  // A chain counts as sent up to its range's end only when every entry of it went.
  const whole = new Map(ranges.map((r) => [r.author, { upTo: r.upTo, gap: false }]));
  // At least one entry of the ranges goes in every session, whatever went before
  // it (the evidence is resent each session): a budget smaller than that can
  // slow the backlog down, never stall it.
  const budget = o.budget ?? SESSION_BUDGET;
  let fromRanges = 0;
  outer: for (const r of interleave(ranges)) {
    const w = whole.get(r.author)!;
    if (w.gap) continue; // entries after a gap would not link at the peer
    let n = 0;
    for (const e of home.log.range(r.author, r.after, r.upTo, r.upTo - r.after)) {
      if (batches.bytes >= budget && fromRanges > 0) {
        result.more = true;
        break outer;
      }
      await batches.add(e);
      n++;
      fromRanges++;
      if (fromRanges === o.stallAfter) await stall(batches);
    }
    if (n < r.upTo - r.after) w.gap = true;
    if (r.upTo === w.upTo && !w.gap) result.sentUpTo.set(r.author, r.upTo);
  }
  if (!result.more) {
    for (const [author, upTo] of evidenceRuns(c.evidence)) {
      // From where our chain ends (the peer has at least that: the ranges
      // above), the entries kept aside up to the last removal among them.
      const ours = home.log.head(author)?.seq ?? 0;
      if ((their.get(author)?.seq ?? 0) > ours || upTo - ours > MAX_EVIDENCE_RUN) continue;
      for (const e of home.log.asideRange(author, ours, upTo, MAX_EVIDENCE_RUN)) {
        await batches.add(e);
      }
    }
  }
  await batches.flush();
}

/** Test only (ExchangeOptions `stallAfter`): send what is gathered, then never go on. */
async function stall(batches: Batches): Promise<never> {
  await batches.flush();
  return await new Promise<never>(() => {});
}

/**
 * For a peer that takes parts: the largest state (by estimate) sent as one
 * checkpoint, and the size the parts of a larger one are cut at. A whole
 * checkpoint was made in one piece with nothing else of this process
 * running (a 1.26 MB one: 0.29-2.1 s at a load of 6-10 on 2 cores); it is
 * now made a step at a time (storage/whole_checkpoint.ts), but it is held
 * in memory whole until sent, and a peer that takes parts needs none of
 * it. Parts are cut with the event loop turning between them (and about
 * every MiB of rows), and finishing one (its encoding and hash) holds the
 * process for a time that grows with its size (0.5-0.9 s for 16 MiB): 4
 * MiB keeps that short and still allows 16 GiB of state (4,096 parts).
 * Pairing, where one process serves one joiner, keeps its own sizes.
 */
export const WHOLE_UP_TO = 1 << 20;
/** See {@link WHOLE_UP_TO}. */
export const SESSION_PART_BYTES = 4 << 20;

async function sendCheckpoint(c: SendContext): Promise<void> {
  const covered = c.home.log.heads(); // the checkpoint covers at least these
  const abilities = c.result.peer.abilities ?? 0;
  const parts = (abilities & ABILITY_PARTS) !== 0;
  c.onMaking?.();
  // Before anything is made (estimating, a whole checkpoint tried, the cut):
  // each may take long, and the peer's read deadline would pass meanwhile.
  if ((abilities & ABILITY_CHECKPOINT_WAIT) !== 0) await c.send({ type: "checkpoint_wait" });
  const cp = parts ? await fitting(c) : undefined;
  if (cp !== undefined) {
    leftWaiting(c.home, c.o.peer); // a small state: it needs no cut
    await sendWhole(c, cp);
  } else if (parts) await gated(c, false, (cut) => sendParts(c, cut));
  // A peer that takes no parts: a whole checkpoint of any size up to 64 MiB
  // (made a step at a time, whole_checkpoint.ts), as often as a cut.
  else {
    // Held in memory until sent: only so many at once (whole_held.ts).
    using _place = await placeForWhole(c);
    await gated(c, true, async (cut) => {
      const cp = await whole(c, () => cut.began());
      cut.made(); // sending it holds no snapshot: another session may make one meanwhile
      await sendWhole(c, cp);
    });
  }
  c.result.sentCheckpoint = true;
  for (const [a, h] of covered) c.result.sentUpTo.set(a, h.seq);
}

/**
 * One checkpoint, made a step at a time (stopping at the session's signal).
 * Every head with its signed entry, as before (it also gives a peer whose
 * base, stored by an earlier release, lacks some of them what it lacks). Only when that passes a checkpoint's bounds do the heads the
 * peer holds itself go without theirs (up to 1 MiB each); past that,
 * `checkpoint_too_large`.
 */
async function whole(c: SendContext, began?: () => void): Promise<Uint8Array> {
  const o = { signal: c.o.signal, pauseMs: c.o.cutPauseMs, began };
  return await c.home.wholeCheckpoint(o).catch(async (e) => {
    if (!isMycelError(e, "checkpoint_too_large")) throw e;
    return await c.home.wholeCheckpoint({ ...o, known: await c.theirs });
  });
}

/**
 * For a peer that takes parts: one checkpoint when the state is small
 * ({@link WHOLE_UP_TO}; the same bytes as for any peer), else undefined. A
 * state whose estimate is past that is not tried whole.
 */
async function fitting(c: SendContext): Promise<Uint8Array | undefined> {
  const limit = c.o.partBytes ?? WHOLE_UP_TO;
  const estimate = await c.home.checkpointEstimate();
  if (estimate.bytes > limit || estimate.items > CHECKPOINT_LIMITS.maxNodes) return undefined;
  try {
    const cp = await whole(c);
    return cp.length > limit ? undefined : cp;
  } catch (e) {
    if (!isMycelError(e, "checkpoint_too_large")) throw e;
    return undefined;
  }
}

/**
 * `send` (making our state into a checkpoint and sending it) only as often
 * as cut_gate.ts allows: else the peer is told `busy` (it tries again next
 * round) and the session ends. It counts as abandoned unless `send` returns
 * (or the state was too large to send whole: then as no cut for the device,
 * the home resting after it all the same). `noParts`: a whole checkpoint
 * for a peer that takes no parts. `send` calls `began` once the snapshot
 * it makes it from is taken, and `made` once the checkpoint is made
 * (cut_gate.ts {@link Cut}): the gate is free from then.
 */
async function gated(
  c: SendContext,
  noParts: boolean,
  send: (cut: Pick<Cut, "began" | "made">) => Promise<void>,
): Promise<void> {
  let cut: Cut;
  try {
    cut = takeCut(c.home, c.o.peer, noParts);
  } catch (e) {
    if (!isMycelError(e, "busy")) throw e;
    await c.send({ type: "error", code: "busy", message: e.reason }).catch(() => {});
    throw e;
  }
  let whole = false;
  try {
    await send(cut);
    whole = true;
  } catch (e) {
    // Refused by us, not abandoned by the peer: no cut for the device (the
    // same, updated, asks for parts next), a rest for the home (cut_budget.ts `refused`).
    if (isMycelError(e, "checkpoint_too_large")) cut.refused();
    // Our disk too full to spool it: the peer is told so, else it read that we hung up.
    if (isMycelError(e, "disk_full") || isMycelError(e, "read_only")) {
      const { code, message } = makeFailure(e);
      await c.send({ type: "error", code, message }).catch(() => {});
    }
    throw e;
  } finally {
    cut.done(whole);
  }
}

/** A place for a whole checkpoint held in memory (whole_held.ts), or the peer is told `busy`. */
async function placeForWhole(c: SendContext): Promise<Disposable> {
  try {
    return holdWhole(c.home);
  } catch (e) {
    if (!isMycelError(e, "busy")) throw e;
    await c.send({ type: "error", code: "busy", message: e.reason }).catch(() => {});
    throw e;
  }
}

/** Our state as a checkpoint in parts: its signed head, then each part, in chunks. */
async function sendParts(c: SendContext, cut: Pick<Cut, "began" | "made">): Promise<void> {
  using spool = await c.home.spooledParts(
    c.o.partBytes ?? SESSION_PART_BYTES,
    c.o.cutPauseMs,
    c.o.signal,
    () => cut.began(),
  );
  cut.made(); // sending it holds no snapshot: another session may cut meanwhile
  await sendChunks(c, spool.head, (chunk, last) => ({ type: "parts_head", chunk, last }));
  for (const part of spool.parts()) {
    await sendChunks(c, part, (chunk, last) => ({ type: "part", chunk, last }));
  }
  c.result.sentParts = spool.count;
}

async function sendWhole(c: SendContext, cp: Uint8Array): Promise<void> {
  await sendChunks(c, cp, (chunk, last) => ({ type: "checkpoint", chunk, last }));
}

async function sendChunks(
  c: SendContext,
  bytes: Uint8Array,
  msg: (chunk: Uint8Array, last: boolean) => SyncMessage,
): Promise<void> {
  for (let at = 0;; at += MAX_CHUNK) {
    const last = at + MAX_CHUNK >= bytes.length;
    await c.send(msg(bytes.subarray(at, at + MAX_CHUNK), last));
    if (last) break;
  }
}

/** Entries gathered into `entries` messages of bounded count and bytes. */
class Batches {
  bytes = 0;
  #batch: Uint8Array[] = [];
  #batchBytes = 0;
  readonly #c: SendContext;
  constructor(c: SendContext) {
    this.#c = c;
  }

  async add(e: Uint8Array): Promise<void> {
    if (this.#batch.length === MAX_BATCH_ENTRIES || this.#batchBytes + e.length > BATCH_BYTES) {
      await this.flush();
    }
    this.#batch.push(e);
    this.#batchBytes += e.length;
    this.bytes += e.length;
  }

  async flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    await this.#c.send({ type: "entries", entries: this.#batch });
    this.#c.result.sent += this.#batch.length;
    this.#batch = [];
    this.#batchBytes = 0;
  }
}

/** Per author, the last seq of an entry kept aside that holds a removal. */
function evidenceRuns(evidence: readonly SignedEntry[]): Map<DeviceKey, number> {
  const runs = new Map<DeviceKey, number>();
  for (const e of evidence) {
    runs.set(e.entry.author, Math.max(runs.get(e.entry.author) ?? 0, e.entry.seq));
  }
  return runs;
}
