/**
 * @module exchange_receive
 * The receiving half of a sync exchange (exchange.ts): the peer's heads,
 * then its checkpoint and entries, each batch checked and stored in one short
 * transaction as it arrives (never held across a network wait), until its
 * `end`; then our `ack`, and the peer's ack of what we sent.
 *
 * A checkpoint in parts (exchange_parts_in.ts) is read and checked part by
 * part, and taken as a checkpoint is once its last part came (at the peer's
 * first entries, or its `end`).
 *
 * A peer that says it is making a checkpoint (`checkpoint wait`, sent before
 * it cuts one: a large state takes longer than a read deadline) is waited
 * for under the whole checkpoint's deadline from that notice
 * (exchange_checkpoint_wait.ts), not a read's.
 *
 * A checkpoint we refuse (exchange's `acceptCheckpoint`) ends the session
 * only after the peer has sent all it had, which is read and not taken: what
 * we send goes first (it may be the state the peer re-bases on, acks.ts),
 * then an `error` saying why (exchange_stop.ts). What we can't store (our
 * disk full) ends it at once, with an `error` that says so: the peer's
 * round then names our disk, not a hang-up.
 */

import { MycelError } from "../errors.ts";
import { type Checkpoint, readCheckpoint } from "../log/checkpoint.ts";
import type { Heads } from "../protocol/sync_heads.ts";
import type { SyncMessage } from "../protocol/sync_messages.ts";
import type { SyncSession } from "../protocol/sync_session.ts";
import type { Home, IngestStream } from "../storage/home_handle.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import type { ExchangeOptions, ExchangeResult } from "./exchange_types.ts";
import { peerStopped, storeFailure, tellPeer } from "./exchange_stop.ts";
import { checkpointClock } from "./exchange_checkpoint_wait.ts";
import { PartsIn } from "./exchange_parts_in.ts";
import { ourEnd } from "./exchange_our_end.ts";
import type { StateClock } from "./pairing_state_time.ts";

/** What the receiving half works with. */
export interface ReceiveContext {
  home: Home;
  o: ExchangeOptions;
  channel: SecureChannel;
  session: SyncSession;
  send: (msg: SyncMessage) => Promise<void>;
  /** The peer's next message within `ms` (default: the read deadline); `started`: a read begun. */
  receive: (ms?: number, started?: Promise<Uint8Array | null>) => Promise<SyncMessage>;
  /** Hands the peer's heads to the sending half. */
  theirHeads: (h: Heads) => void;
  /** Our sending half: settles when we have sent `end` (true if we sent anything). */
  ended: Promise<boolean>;
  /** True while our sending half makes a checkpoint and has not sent `end`. */
  making: () => boolean;
  sending: Promise<void>;
  /** Filled in: reported, took, ingest, peerMore, peerAck. */
  result: ExchangeResult;
}

/** Receive and store what the peer sends, then exchange acks. */
export async function receiveAll(c: ReceiveContext): Promise<void> {
  const stream = c.home.ingestStream();
  try {
    await receiveInto(c, stream);
  } finally {
    stream.close(); // a broken session: its hashing thread must not keep the process up
  }
}

/** `p`, storing what the peer sent: if it fails, the peer is told why before we close. */
async function storing<T>(c: ReceiveContext, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    const { code, message } = storeFailure(e);
    await tellPeer(c.send, c.channel, code, message);
    throw e;
  }
}

async function receiveInto(c: ReceiveContext, stream: IngestStream): Promise<void> {
  const { session, result } = c;
  let gotAny = false;
  let refused: string | undefined;
  let parts: PartsIn | undefined;
  /** From the peer's `checkpoint wait` until its checkpoint came (parts: handed to `parts`). */
  let waiting: StateClock | undefined;
  /** Check a checkpoint as every one is checked, and take it unless refused. */
  const take = async (cp: Checkpoint) => {
    refused = c.o.acceptCheckpoint(cp, result.peer.mesh);
    if (refused !== undefined) return; // the rest of what it sends is read, not taken
    result.took = await storing(c, c.home.takeCheckpoint(cp));
    gotAny = true;
  };
  try {
    while (!session.peerEnded) {
      const clock = parts?.clock ?? waiting;
      // Until the announced checkpoint begins, its clock is the only deadline.
      const ms = session.checkpointDue ? Math.max(c.o.readTimeoutMs, clock!.totalMs) : undefined;
      const msg = await (clock?.race(c.receive(ms)) ?? c.receive(ms));
      // A checkpoint in one piece that came without a notice (a build before
      // it, or a member leaving it out) has the whole checkpoint's deadline
      // from its first chunk, as parts have: under read deadlines alone, empty
      // chunks each inside one held the session until its own deadline.
      if (msg.type === "checkpoint" && waiting === undefined && parts === undefined) {
        waiting = waitClock(c, () => false);
      }
      const action = session.receive(msg);
      if ((action.kind === "entries" || action.kind === "end") && parts !== undefined) {
        // Every part came and was checked: only now is any of it taken.
        const cp = parts.finish();
        parts = undefined;
        await take(cp);
      }
      switch (action.kind) {
        case "heads":
          result.reported = action.heads;
          c.theirHeads(action.heads);
          break;
        case "checkpoint_wait":
          waiting = waitClock(c, () => parts !== undefined);
          break;
        case "checkpoint":
          waiting?.stop();
          waiting = undefined;
          await take(await readCheckpoint(action.bytes));
          break;
        case "parts_head":
        case "part":
          parts ??= partsIn(c, waiting);
          waiting = undefined;
          await parts.chunk(action.kind === "part", action.chunk, action.last);
          break;
        case "entries":
          if (refused !== undefined) break;
          await storing(c, stream.push(action.entries));
          gotAny = true;
          c.o.onReceived?.(session.received);
          break;
        case "end":
          result.peerMore = action.more;
          break;
        case "ack":
          result.peerAck = { accepted: action.accepted, refused: action.refused };
          break;
        case "peer_error":
          throw peerStopped(action.code, action.message);
      }
    }
  } finally {
    parts?.clock.stop();
    waiting?.stop();
  }
  if (refused !== undefined) await refuse(c, refused);
  result.ingest = await storing(c, stream.finish());
  if (gotAny) {
    await c.send({
      type: "ack",
      accepted: result.ingest.accepted,
      refused: result.ingest.refusedCount,
    });
  }
  // A peer hanging up while we make our checkpoint ends the session (and the cut) then.
  const { sentAny, next } = await ourEnd(c);
  if (sentAny && result.peerAck === undefined) {
    const ack = session.receive(await c.receive(undefined, next));
    if (ack.kind === "peer_error") throw peerStopped(ack.code, ack.message);
    if (ack.kind === "ack") result.peerAck = { accepted: ack.accepted, refused: ack.refused };
  }
}

/** A checkpoint in parts from the peer of the session (only a member we know by key sends one). */
function partsIn(c: ReceiveContext, clock?: StateClock): PartsIn {
  const peer = c.o.peer;
  if (peer === undefined) {
    throw new MycelError(
      "protocol_violation",
      "take checkpoint",
      "a checkpoint in parts came from a peer not known by key",
    );
  }
  return new PartsIn({
    peer,
    allowMore: (bytes) => c.channel.allowMore(bytes),
    cut: () => c.channel.close(),
    ...(c.o.stateRate === undefined ? {} : { rate: c.o.stateRate }),
  }, clock);
}

/** The clock over a checkpoint the peer said it is making; `inParts`: its parts began. */
function waitClock(c: ReceiveContext, inParts: () => boolean): StateClock {
  return checkpointClock(
    {
      cut: () => c.channel.close(),
      ...(c.o.stateRate === undefined ? {} : { rate: c.o.stateRate }),
    },
    () => inParts() ? "parts" : c.session.checkpointDue ? "none" : "checkpoint",
  );
}

/** End the session over a checkpoint we refused (see the module doc). */
async function refuse(c: ReceiveContext, refusal: string): Promise<never> {
  await c.sending.catch(() => {});
  await tellPeer(
    c.send,
    c.channel,
    "checkpoint_refused",
    `your checkpoint was refused: ${refusal}`,
  );
  throw new MycelError("checkpoint_refused", "take checkpoint", refusal);
}
