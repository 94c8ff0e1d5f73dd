/**
 * @module peer_session
 * One sync session with one peer, either side. The initiator dials the peer,
 * runs `Noise_IK` with the peer's known Noise key and its hello as payload;
 * the responder checks the initiator against the device set (refusing unknown
 * or revoked devices with a reason both sides print) and answers with its own
 * hello. Then both exchange entries. Entries received are staged in the
 * outcome; {@link ./apply.ts} stores them under the lock.
 */

import { fromBase64 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { Handshake, NOISE_IK } from "../crypto/noise.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import type { DeviceKeys } from "../log/identity.ts";
import {
  decodeHello,
  decodeHelloReply,
  decodeSyncMessage,
  encodeHello,
  encodeHelloReply,
  encodeSyncMessage,
  type Heads,
  SYNC_PROLOGUE,
  SYNC_PROTOCOL_VERSION,
} from "../protocol/sync_messages.ts";
import type { Store } from "../storage/store.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import { initiatorHandshake, responderHandshake } from "../transport/handshake_io.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { admitInitiator } from "./admission.ts";
import { exchangeEntries, type ExchangeResult } from "./exchange.ts";

/** How a session with one peer ended. */
export type SessionStatus = "synced" | "unreachable" | "refused" | "failed";

/** Outcome of one session, before its entries are stored. */
export interface SessionOutcome {
  /** The peer (its id, or "" when a refused initiator could not be identified). */
  peer: DeviceId;
  /** The peer's name as we know it. */
  name: string;
  /** How it ended. */
  status: SessionStatus;
  /** Why, when it did not sync. */
  error?: string;
  /** Which way we reached it ("direct", "mesh", "stdio", "tcp"). */
  path: string;
  /** The address used. */
  address?: string;
  /** The peer's heads from its hello. */
  remoteHeads?: Heads;
  /** The exchange, when it completed. */
  exchange?: ExchangeResult;
  /** Wire bytes sent and received (for benchmarks). */
  wire?: { sent: number; received: number };
  /** Responder side: the received entries were already stored (by `keep`). */
  kept?: boolean;
  /** What the responder reported storing (initiator side). */
  peerStored?: { accepted: number; refused: number };
}

/** Time limits of a session. */
export interface SessionLimits {
  /** Deadline of each read (ms). */
  readTimeoutMs: number;
  /** Deadline of the whole session (ms). */
  sessionTimeoutMs: number;
  /** Called as entries arrive (count so far), for progress display. */
  onReceived?: (count: number) => void;
}

/** Our heads in protocol form. */
export function headsOf(store: Store): Heads {
  const heads: Heads = new Map();
  for (const [author, h] of store.heads) heads.set(author, { seq: h.seq, hash: h.hash });
  return heads;
}

/** The sync handshake: Noise_IK with our Noise key; the initiator names the peer's. */
function syncHandshake(keys: DeviceKeys, peerNoiseKey?: string): Handshake {
  return Handshake.create({
    protocol: NOISE_IK,
    initiator: peerNoiseKey !== undefined,
    prologue: SYNC_PROLOGUE,
    staticKey: { publicKey: keys.noisePublic, privateKey: keys.noisePrivate },
    ...(peerNoiseKey === undefined ? {} : { remoteStatic: fromBase64(peerNoiseKey) }),
  });
}

function describe(e: unknown): string {
  return e instanceof MycelError ? e.message.replace(/^Cannot [^:]*: /, "") : String(e);
}

async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(
        new MycelError("timeout", "sync with peer", `the session took longer than ${ms / 1000}s`),
      );
    }, ms);
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a session body can do with the connection it is given. */
interface SessionIo {
  /** The framed connection, for the handshake. */
  conn: FrameConn;
  /** Hand over to the encrypted channel (closed when the session ends). */
  adopt(channel: SecureChannel): void;
}

/**
 * Run a session body under the session deadline; whatever happens, the
 * connection is closed and the result is an outcome (never a throw).
 */
async function guarded(
  stream: ByteStream,
  meta: { path: string; address: string },
  limits: SessionLimits,
  base: () => SessionOutcome,
  body: (io: SessionIo) => Promise<SessionOutcome>,
): Promise<SessionOutcome> {
  const conn = new FrameConn(stream, { peer: meta.address });
  let close = () => conn.close();
  const io: SessionIo = { conn, adopt: (channel) => close = () => channel.close() };
  try {
    return await withTimeout(body(io), limits.sessionTimeoutMs, () => close());
  } catch (e) {
    return { ...base(), status: "failed", error: describe(e) };
  } finally {
    close();
  }
}

/** The entry exchange after either side's handshake. */
async function exchangeOn(
  channel: SecureChannel,
  store: Store,
  remoteHeads: Heads,
  limits: SessionLimits,
): Promise<Pick<SessionOutcome, "exchange" | "wire" | "remoteHeads">> {
  const exchange = await exchangeEntries(
    channel,
    store,
    remoteHeads,
    limits.readTimeoutMs,
    limits.onReceived,
  );
  return {
    exchange,
    remoteHeads,
    wire: { sent: channel.bytesSent, received: channel.bytesReceived },
  };
}

/**
 * Initiator side: run a session with `peer` over the already-connected
 * `stream`. Never throws; the outcome says what happened.
 */
export function initiateSession(
  store: Store,
  keys: DeviceKeys,
  peer: DeviceRecord,
  stream: ByteStream,
  meta: { path: string; address: string },
  limits: SessionLimits,
  admission: readonly Uint8Array[] = [],
): Promise<SessionOutcome> {
  const base = (): SessionOutcome => ({
    peer: peer.id,
    name: peer.name,
    path: meta.path,
    address: meta.address,
    status: "failed",
  });
  return guarded(stream, meta, limits, base, async ({ conn, adopt }) => {
    const hs = syncHandshake(keys, peer.noiseKey);
    const hello = encodeHello({
      version: SYNC_PROTOCOL_VERSION,
      mesh: store.local.meshId,
      device: store.deviceId,
      heads: headsOf(store),
      admission,
    });
    const { replyPayload, channel } = await initiatorHandshake(
      conn,
      hs,
      hello,
      limits.readTimeoutMs,
    );
    adopt(channel);
    const reply = decodeHelloReply(replyPayload);
    if (!reply.ok) return { ...base(), status: "refused", error: reply.message };
    if (reply.device !== peer.id || reply.mesh !== store.local.meshId) {
      return { ...base(), status: "refused", error: "the peer answered as another device or mesh" };
    }
    const done = await exchangeOn(channel, store, reply.heads, limits);
    // "synced" means the peer holds our changes: wait for its word.
    const ack = await channel.receive(limits.readTimeoutMs);
    const stored = ack === null ? undefined : decodeSyncMessage(ack);
    if (stored?.type !== "stored") {
      return {
        ...base(),
        ...done,
        status: "failed",
        error: "the peer did not confirm it stored our changes",
      };
    }
    const peerStored = { accepted: stored.accepted, refused: stored.refused };
    if (stored.refused > 0) {
      const error = `the peer refused ${stored.refused} of our entries`;
      return { ...base(), ...done, peerStored, status: "refused", error };
    }
    return { ...base(), ...done, peerStored, status: "synced" };
  });
}

/** Responder side: answer one connection on `stream`. Never throws. */
export function respondSession(
  store: Store,
  keys: DeviceKeys,
  stream: ByteStream,
  meta: { path: string; address: string },
  limits: SessionLimits,
  keep: (outcome: SessionOutcome) => Promise<{ accepted: number; refused: number }>,
): Promise<SessionOutcome> {
  let who = { peer: "", name: "" };
  const base = (): SessionOutcome => ({
    ...who,
    path: meta.path,
    address: meta.address,
    status: "failed",
  });
  return guarded(stream, meta, limits, base, async ({ conn, adopt }) => {
    const hs = syncHandshake(keys);
    let refusal: string | undefined;
    let remoteHeads: Heads = new Map();
    const { channel } = await responderHandshake(
      conn,
      hs,
      limits.readTimeoutMs,
      async (payload, rs) => {
        const hello = decodeHello(payload);
        const verdict = await admitInitiator(store.state, store.local.meshId, hello, rs);
        who = {
          peer: hello.device,
          name: verdict.ok ? verdict.name : store.state.device(hello.device)?.name ?? "",
        };
        remoteHeads = hello.heads;
        if (!verdict.ok) {
          refusal = verdict.message;
          return encodeHelloReply({ ok: false, code: verdict.code, message: verdict.message });
        }
        return encodeHelloReply({
          ok: true,
          version: SYNC_PROTOCOL_VERSION,
          mesh: store.local.meshId,
          device: store.deviceId,
          heads: headsOf(store),
        });
      },
    );
    adopt(channel);
    if (refusal !== undefined) return { ...base(), status: "refused", error: refusal };
    const outcome: SessionOutcome = {
      ...base(),
      status: "synced",
      ...await exchangeOn(channel, store, remoteHeads, limits),
    };
    // Store what arrived, then tell the initiator: only now is it "synced".
    const kept = await keep(outcome);
    await channel.send(encodeSyncMessage({ type: "stored", ...kept }));
    return { ...outcome, kept: true };
  });
}
