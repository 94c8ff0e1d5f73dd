/**
 * @module exchange
 * The part of a sync session after the handshake, the same on both sides
 * (protocol version 2, docs/sync_protocol.md). Sending and receiving run
 * concurrently, or two large transfers would deadlock on full buffers.
 *
 * - Both send `hi` with a digest of their heads; equal digests end an idle
 *   session at once (O(1) however many authors there are).
 * - Otherwise both send their heads, then what the other lacks: raw entries
 *   read by index seek and streamed in bounded batches, several authors'
 *   entries interleaved roughly as they were written (sync_plan.ts) — or, for a device
 *   far behind or missing entries we no longer hold, a signed checkpoint.
 *   A session sends at most a byte budget; the next round continues.
 * - What arrives is checked and stored batch by batch, each batch one short
 *   transaction (never held across a network wait); memory is bounded by a
 *   batch, not by history. Every read has a deadline that progress resets.
 * - Each side acknowledges what it stored, so "synced" means the peer holds
 *   our changes.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { type Checkpoint, readCheckpoint } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { SignedEntry } from "../log/entry.ts";
import type { IngestResult } from "../log/ingest.ts";
import { MAX_BATCH_ENTRIES, MAX_HEADS } from "../protocol/sync_fields.ts";
import { type Heads, headsDigest, sortedHeads } from "../protocol/sync_heads.ts";
import {
  decodeSyncMessage,
  encodeSyncMessage,
  MAX_CHUNK,
  type SeenEndpoint,
  type SyncMessage,
} from "../protocol/sync_messages.ts";
import { interleave, planSend } from "../protocol/sync_plan.ts";
import { SyncSession } from "../protocol/sync_session.ts";
import type { ImportResult } from "../storage/home_checkpoint.ts";
import type { Home, IngestStream } from "../storage/home_handle.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { checkpointRefused, offersRebase, settledIn, theirHeadsFor } from "./acks.ts";

/** Bytes of entries one session sends at most (the next round continues). */
export const SESSION_BUDGET = 64 << 20;
/** How long a session we end waits for the peer to close first (ms). */
const LINGER_MS = 2000;

/** A peer missing at most this many entries gets entries, never a checkpoint. */
export const CHECKPOINT_MIN = 5000;
/** Bytes per `entries` message. */
const BATCH_BYTES = 1 << 20;

/** How one exchange runs. */
export interface ExchangeOptions {
  /** Deadline of each read (ms); progress resets it. */
  readTimeoutMs: number;
  /** Our wall clock. */
  now: () => number;
  /** Ports we accept sync connections on (told to the peer). */
  ports: readonly number[];
  /** The address we see the peer at ("" when unknown). */
  observed: string;
  /** Where our WireGuard sees other members' tunnels (NAT traversal hints for the peer). */
  seen?: readonly SeenEndpoint[];
  /** Refusal reason for a checkpoint we would not take (undefined: take it); `peerMesh` from its hi. */
  acceptCheckpoint: (cp: Checkpoint, peerMesh: string) => string | undefined;
  /** Entries to send per session at most (bytes). */
  budget?: number;
  /** A peer missing more entries than this (and than 4 × our state's rows) gets a checkpoint. */
  checkpointMin?: number;
  /** Entries received so far (progress display). */
  onReceived?: (count: number) => void;
  /** The peer's first message arrived: it proved a live session. */
  onHi?: () => void;
  /** The peer (to read what we know it holds; see acks.ts). */
  peer?: DeviceKey;
}

/** What one exchange did. */
export interface ExchangeResult {
  /** The digests matched: nothing to do. */
  idle: boolean;
  /** Entries we sent, and whether we sent a checkpoint. */
  sent: number;
  sentCheckpoint: boolean;
  /** We stopped at our budget (more to send next round). */
  more: boolean;
  /** What we stored of the peer's entries. */
  ingest?: IngestResult;
  /** The checkpoint we took, if any. */
  took?: ImportResult;
  /** The peer's account of what it stored of ours. */
  peerAck?: { accepted: number; refused: number };
  /** The peer's `hi`. */
  peer: {
    now: number;
    ports: readonly number[];
    observed: string;
    seen: readonly SeenEndpoint[];
    mesh: string;
  };
  /** The peer stopped at its budget. */
  peerMore: boolean;
  /** Authors of whom the peer held newer entries than we did when the session began. */
  newer: DeviceKey[];
  /** The heads the peer holds as it told us (ours when the digests matched). */
  reported?: Heads;
  /** Chains we sent the peer in full up to a seq (entry ranges, or a checkpoint's frontier). */
  sentUpTo: Map<DeviceKey, number>;
  /** Rows in the heads we sent (settled authors are left out). */
  headsSent: number;
}

/** Longest run of entries kept aside sent as evidence for one author. */
const MAX_EVIDENCE_RUN = 2000;

/** Per author, the last seq of an entry kept aside that holds a removal. */
function evidenceRuns(evidence: readonly SignedEntry[]): Map<DeviceKey, number> {
  const runs = new Map<DeviceKey, number>();
  for (const e of evidence) {
    runs.set(e.entry.author, Math.max(runs.get(e.entry.author) ?? 0, e.entry.seq));
  }
  return runs;
}

function ourHeads(home: Home): Heads {
  const heads: Heads = new Map();
  for (const [a, h] of home.log.heads()) heads.set(a, { seq: h.seq, hash: h.hash });
  return heads;
}

/** Run the exchange over `channel` for `home`; throws on protocol errors and timeouts. */
export async function runExchange(
  channel: SecureChannel,
  home: Home,
  o: ExchangeOptions,
): Promise<ExchangeResult> {
  const session = new SyncSession();
  const send = (msg: SyncMessage) => channel.send(encodeSyncMessage(msg));
  const receive = async (): Promise<SyncMessage> => {
    const raw = await channel.receive(o.readTimeoutMs);
    if (raw === null) {
      throw new MycelError(
        "connection_closed",
        "sync with peer",
        "the peer hung up before it was done",
      );
    }
    return decodeSyncMessage(raw, session.lastHead);
  };
  const heads = ourHeads(home);
  // Removals kept aside past a cut may still count (src/log/removals.ts):
  // they are part of what must match, and travel as evidence.
  const evidence = home.log.evidence();
  const digest = headsDigest(heads, evidence.map((e) => e.hash));
  await send({
    type: "hi",
    now: o.now(),
    digest,
    ports: o.ports,
    observed: o.observed,
    seen: o.seen ?? [],
    mesh: home.meshId,
  });
  const hi = session.receive(await receive());
  if (hi.kind !== "hi") throw new MycelError("protocol_violation", "sync with peer", "no hi");
  o.onHi?.();
  const idle = bytesEqual(hi.digest, digest);
  session.setDigestsEqual(idle);
  const result: ExchangeResult = {
    idle,
    sent: 0,
    sentCheckpoint: false,
    more: false,
    peer: { now: hi.now, ports: hi.ports, observed: hi.observed, seen: hi.seen, mesh: hi.mesh },
    peerMore: false,
    newer: [],
    sentUpTo: new Map(),
    headsSent: 0,
    ...(idle ? { reported: heads } : {}),
  };
  if (!idle) {
    // Authors every live member holds in full, and that left, need not be listed.
    const settled = settledIn(home);
    const rows = sortedHeads(heads).filter(([a]) => !settled.has(a));
    result.headsSent = rows.length;
    for (let i = 0; i === 0 || i < rows.length; i += MAX_HEADS) {
      await send({
        type: "heads",
        rows: rows.slice(i, i + MAX_HEADS),
        last: i + MAX_HEADS >= rows.length,
      });
    }
  }
  let theirHeads!: (h: Heads) => void;
  const theirs = new Promise<Heads>((resolve) => theirHeads = resolve);
  let ourEnd!: (sentAny: boolean) => void;
  const ended = new Promise<boolean>((resolve) => ourEnd = resolve);

  const sender = async () => {
    if (idle) {
      session.noteOurEnd(false);
      ourEnd(false);
      await send({ type: "end", sent: 0, more: false });
      return;
    }
    const their = await theirs;
    for (const [a, h] of their) if (h.seq > (heads.get(a)?.seq ?? 0)) result.newer.push(a);
    const adjusted = theirHeadsFor(home, o.peer, their);
    const plan = planSend(
      home.log.heads(),
      adjusted,
      (a, seq) => home.log.hashAt(a, seq),
      (missing) => missing > (o.checkpointMin ?? CHECKPOINT_MIN) && missing > 4 * home.stateSize(),
      home.device,
      checkpointRefused(home),
    );
    const budget = o.budget ?? SESSION_BUDGET;
    let bytes = 0;
    // A peer holding a removed device past its cut gets our state to re-base on (acks.ts).
    const withCheckpoint = plan.checkpoint || offersRebase(home, their, adjusted);
    const ranges = withCheckpoint ? [] : plan.ranges;
    if (withCheckpoint) {
      const covered = home.log.heads(); // the checkpoint covers at least these
      const cp = await home.checkpoint();
      for (let at = 0; at < cp.length || at === 0; at += MAX_CHUNK) {
        const chunk = cp.subarray(at, at + MAX_CHUNK);
        await send({ type: "checkpoint", chunk, last: at + MAX_CHUNK >= cp.length });
        if (at + MAX_CHUNK >= cp.length) break;
      }
      result.sentCheckpoint = true;
      for (const [a, h] of covered) result.sentUpTo.set(a, h.seq);
    }
    let batch: Uint8Array[] = [], batchBytes = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await send({ type: "entries", entries: batch });
      result.sent += batch.length;
      batch = [];
      batchBytes = 0;
    };
    const add = async (e: Uint8Array) => {
      if (batch.length === MAX_BATCH_ENTRIES || batchBytes + e.length > BATCH_BYTES) await flush();
      batch.push(e);
      batchBytes += e.length;
      bytes += e.length;
    };
    for (const ev of plan.evidence) {
      for (const e of home.log.range(ev.author, ev.seq - 1, ev.seq, 1)) await add(e);
    }
    // A chain counts as sent up to its range's end only when every entry of it went.
    const whole = new Map(ranges.map((r) => [r.author, { upTo: r.upTo, gap: false }]));
    // At least one entry of the ranges goes in every session, whatever went before
    // it (the evidence is resent each session): a budget smaller than that can
    // slow the backlog down, never stall it.
    let fromRanges = 0;
    outer: for (const r of interleave(ranges)) {
      const w = whole.get(r.author)!;
      if (w.gap) continue; // entries after a gap would not link at the peer
      let n = 0;
      for (const e of home.log.range(r.author, r.after, r.upTo, r.upTo - r.after)) {
        if (bytes >= budget && fromRanges > 0) {
          result.more = true;
          break outer;
        }
        await add(e);
        n++;
        fromRanges++;
      }
      if (n < r.upTo - r.after) w.gap = true;
      if (r.upTo === w.upTo && !w.gap) result.sentUpTo.set(r.author, r.upTo);
    }
    if (!result.more) {
      const theirHeads = await theirs;
      for (const [author, upTo] of evidenceRuns(evidence)) {
        // From where our chain ends (the peer has at least that: the ranges
        // above), the entries kept aside up to the last removal among them.
        const ours = home.log.head(author)?.seq ?? 0;
        if ((theirHeads.get(author)?.seq ?? 0) > ours || upTo - ours > MAX_EVIDENCE_RUN) continue;
        for (const e of home.log.asideRange(author, ours, upTo, MAX_EVIDENCE_RUN)) await add(e);
      }
    }
    await flush();
    const sentAny = result.sent > 0 || result.sentCheckpoint;
    session.noteOurEnd(sentAny); // before sending: the peer's ack may come at once
    ourEnd(sentAny);
    await send({ type: "end", sent: result.sent, more: result.more });
  };

  const receiver = async () => {
    if (idle) theirHeads(new Map());
    const stream = home.ingestStream();
    try {
      await receiveAll(stream);
    } finally {
      stream.close(); // a broken session: its hashing thread must not keep the process up
    }
  };

  const receiveAll = async (stream: IngestStream) => {
    let gotAny = false;
    let refused: string | undefined;
    while (!session.peerEnded) {
      const action = session.receive(await receive());
      switch (action.kind) {
        case "heads":
          result.reported = action.heads;
          theirHeads(action.heads);
          break;
        case "checkpoint": {
          const cp = await readCheckpoint(action.bytes);
          refused = o.acceptCheckpoint(cp, result.peer.mesh);
          if (refused !== undefined) break; // the rest of what it sends is read, not taken
          result.took = await home.takeCheckpoint(cp);
          gotAny = true;
          break;
        }
        case "entries":
          if (refused !== undefined) break;
          await stream.push(action.entries);
          gotAny = true;
          o.onReceived?.(session.received);
          break;
        case "end":
          result.peerMore = action.more;
          break;
        case "ack":
          result.peerAck = { accepted: action.accepted, refused: action.refused };
          break;
        case "peer_error":
          throw new MycelError(
            `peer_${action.code}`,
            "sync with peer",
            `the peer stopped: ${action.message}`,
          );
      }
    }
    if (refused !== undefined) await refuse(refused);
    result.ingest = await stream.finish();
    if (gotAny) {
      await send({
        type: "ack",
        accepted: result.ingest.accepted,
        refused: result.ingest.refusedCount,
      });
    }
    if (await ended && result.peerAck === undefined) {
      const ack = session.receive(await receive());
      if (ack.kind === "peer_error") {
        throw new MycelError(
          `peer_${ack.code}`,
          "sync with peer",
          `the peer stopped: ${ack.message}`,
        );
      }
      if (ack.kind === "ack") result.peerAck = { accepted: ack.accepted, refused: ack.refused };
    }
  };

  /**
   * End the session over a checkpoint we refused, once the peer has sent all
   * it had: what we send goes first (it may be the state the peer re-bases
   * on, acks.ts), then an `error` saying why, and we close only when the
   * peer has (or after LINGER_MS): closing with its data unread resets the
   * connection, and the reset can overtake the error (seen on loopback).
   */
  const refuse = async (refusal: string): Promise<never> => {
    await sending.catch(() => {});
    const message = `your checkpoint was refused: ${refusal}`;
    await send({ type: "error", code: "checkpoint_refused", message }).catch(() => {});
    for (let i = 0; i < 8; i++) {
      if (await channel.receive(LINGER_MS).catch(() => null) === null) break;
    }
    throw new MycelError("checkpoint_refused", "take checkpoint", refusal);
  };

  const sending = sender();
  await Promise.all([sending, receiver()]);
  return result;
}

/**
 * The device a checkpoint may come from: the peer of this session (for our
 * mesh id or the one its hi names), a current
 * member of our mesh — or, on the responder's side, a device admitted for
 * this session on a member's signed admission entry we do not hold yet
 * (`provisional`): its checkpoint is how we learn the entries it holds only
 * as state.
 */
export function memberCheckpoints(
  home: Home,
  peer: DeviceKey,
  provisional = false,
): (cp: Checkpoint, peerMesh?: string) => string | undefined {
  return (cp, peerMesh) => {
    // The peer's own mesh id is fine too: devices that peered by cards may
    // hold two ids for one mesh until this session settles on the smaller.
    if (cp.mesh !== home.meshId && cp.mesh !== peerMesh) return "it belongs to another mesh";
    if (cp.signer !== peer) return "it is not signed by the peer that sent it";
    if (!provisional && !home.view.isMember(cp.signer)) {
      return "its signer is not a member of this mesh";
    }
    // Made before its signer heard of a removal we know: it folds the removed
    // device's entries past the cut, and a state merge could never take them
    // out again. The signer learns the removal from us; its next one is clean.
    for (const f of cp.frontier) {
      const cut = home.view.member(f.author)?.removed?.cut;
      if (cut !== undefined && f.seq > cut) {
        return `it holds changes of removed device ${f.author.short} made after its removal ` +
          `(#${f.seq}; its entries after #${cut} are not accepted)`;
      }
    }
    return undefined;
  };
}
