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
 *
 * This file runs the `hi` and the heads, then the two halves at once:
 * exchange_send.ts (what the peer lacks) and exchange_receive.ts (what it
 * sends us, and a refused checkpoint); member_checkpoints.ts says which
 * checkpoints we take.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { MAX_HEADS } from "../protocol/sync_fields.ts";
import { type Heads, headsDigest, sortedHeads } from "../protocol/sync_heads.ts";
import {
  decodeSyncMessage,
  encodeSyncMessage,
  OUR_ABILITIES,
  type SyncMessage,
} from "../protocol/sync_messages.ts";
import { SyncSession } from "../protocol/sync_session.ts";
import type { Home } from "../storage/home_handle.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { settledIn } from "./acks.ts";
import { PatientReceive } from "./patient_receive.ts";
import { receiveAll } from "./exchange_receive.ts";
import { sendLacking } from "./exchange_send.ts";
import { peerStopped } from "./exchange_stop.ts";
import type { ExchangeOptions, ExchangeResult } from "./exchange_types.ts";

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
  const session = new SyncSession(o.abilities ?? OUR_ABILITIES);
  // A read's deadline counts from the last sign of life and grows with what
  // the peer may still be taking in before it answers (patient_receive.ts).
  const patient = new PatientReceive(channel, o.readTimeoutMs);
  const send = async (msg: SyncMessage) => {
    await channel.send(encodeSyncMessage(msg));
    patient.sent();
  };
  const receive = async (
    ms?: number,
    started?: Promise<Uint8Array | null>,
  ): Promise<SyncMessage> => {
    const raw = ms === undefined ? await patient.receive(started) : await channel.receive(ms);
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
    ...((o.abilities ?? OUR_ABILITIES) === 0 ? {} : { abilities: o.abilities ?? OUR_ABILITIES }),
  });
  const hi = session.receive(await receive(o.hiTimeoutMs));
  // An `error` in place of `hi`: the peer gave up, or only checked the
  // handshake (HANDSHAKE_CHECK; peer_session.ts ends that as a check).
  if (hi.kind === "peer_error") {
    throw peerStopped(hi.code, hi.message);
  }
  if (hi.kind !== "hi") throw new MycelError("protocol_violation", "sync with peer", "no hi");
  o.onHi?.();
  const idle = bytesEqual(hi.digest, digest);
  session.setDigestsEqual(idle);
  const result: ExchangeResult = {
    idle,
    sent: 0,
    sentCheckpoint: false,
    more: false,
    peer: {
      now: hi.now,
      ports: hi.ports,
      observed: hi.observed,
      seen: hi.seen,
      mesh: hi.mesh,
      abilities: hi.abilities ?? 0,
    },
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

  // Our checkpoint is being made, our `end` not yet sent (exchange_our_end.ts).
  let making = false;
  const sending = (async () => {
    if (!idle) {
      const onMaking = () => making = true;
      await sendLacking({ home, o, send, heads, evidence, theirs, result, onMaking });
    }
    making = false;
    const sentAny = result.sent > 0 || result.sentCheckpoint;
    session.noteOurEnd(sentAny); // before sending: the peer's ack may come at once
    ourEnd(sentAny);
    await send({ type: "end", sent: result.sent, more: result.more });
  })();
  if (idle) theirHeads(new Map());
  const receiving = receiveAll({
    home,
    o,
    channel,
    session,
    send,
    receive,
    theirHeads,
    ended,
    making: () => making,
    sending,
    result,
  });
  await Promise.all([sending, receiving]);
  return result;
}
