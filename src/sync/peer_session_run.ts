/**
 * @module peer_session_run
 * What both sides of a session (peer_session.ts) run the same way: the
 * connection under the session deadline (closed on every path, and at once
 * on Ctrl-C), the Noise handshake object, the exchange with its bounds, and
 * how refused entries turn the outcome "refused".
 */

import { Handshake, NOISE_IK } from "../crypto/noise.ts";
import { deadlineSignal } from "../deadline.ts";
import { type ErrorCode, interruptedError, MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { SYNC_PROLOGUE } from "../protocol/sync_fields.ts";
import type { Home } from "../storage/home_handle.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { plural } from "../human.ts";
import { runExchange } from "./exchange.ts";
import type { ExchangeResult } from "./exchange_types.ts";
import type { NoiseKeys, SessionLimits, SessionOutcome } from "./peer_session_types.ts";
import { memberCheckpoints } from "./member_checkpoints.ts";
import { seenFor } from "./nat_hints.ts";

function describe(e: unknown): { error: string; code?: ErrorCode } {
  if (e instanceof MycelError) {
    return { error: e.message.replace(/^Cannot [^:]*: /, ""), code: e.code };
  }
  // A failure with no code of ours is a bug; its row still carries a code.
  return { error: String(e), code: "internal" };
}

/** `p`, or a `timeout` error once `ms` passed (then `onTimeout` closes the connection). */
async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  // Ctrl-C is not this deadline's: guarded() closes the connection on it at once.
  using deadline = deadlineSignal(ms, "sync with peer");
  const expired = new Promise<never>((_, reject) => {
    deadline.signal.addEventListener("abort", () => {
      // The connection closes first, then the race ends: the session's own
      // halves meet the closed connection while the session still awaits
      // them. The other order (deadline.ts startTimer's) let a
      // half fail after the session had returned, uncaught: sync now died
      // with "Uncaught (in promise) Cannot write to peer" (found by a review).
      onTimeout();
      reject(
        new MycelError("timeout", "sync with peer", `the session took longer than ${ms / 1000}s`),
      );
    }, { once: true });
  });
  return await Promise.race([p, expired]);
}

/**
 * Run `body` under the session deadline; the connection is always closed;
 * never throws. `body` gets the session's signal (in its `limits`), which
 * aborts once the session is over however it ends (deadline, Ctrl-C, a
 * failure such as the peer hanging up, or done): what the session still had
 * under way for the peer (a cut of our state) stops then, not when it is done.
 */
export async function guarded(
  stream: ByteStream,
  meta: { path: string; address: string },
  limits: SessionLimits,
  base: () => SessionOutcome,
  body: (
    conn: FrameConn,
    adopt: (c: SecureChannel) => void,
    limits: SessionLimits,
  ) => Promise<SessionOutcome>,
): Promise<SessionOutcome> {
  const conn = new FrameConn(stream, {
    peer: meta.address,
    ...(limits.maxBytes === undefined ? {} : { maxBytes: limits.maxBytes }),
  });
  const over = new AbortController();
  let close = () => conn.close();
  const end = () => {
    close();
    over.abort(limits.signal?.reason ?? interruptedError("sync with peer"));
  };
  limits.signal?.addEventListener("abort", end, { once: true });
  try {
    if (limits.signal?.aborted) end();
    return await withTimeout(
      body(conn, (c) => close = () => c.close(), { ...limits, signal: over.signal }),
      limits.sessionTimeoutMs,
      end,
    );
  } catch (e) {
    return { ...base(), status: "failed", ...describe(e) };
  } finally {
    limits.signal?.removeEventListener("abort", end);
    end();
  }
}

export function handshake(keys: NoiseKeys, peerNoiseKey?: string, protocol = NOISE_IK): Handshake {
  return Handshake.create({
    protocol,
    initiator: peerNoiseKey !== undefined,
    prologue: SYNC_PROLOGUE,
    staticKey: { publicKey: keys.noisePublic, privateKey: keys.noisePrivate },
    ...(peerNoiseKey === undefined ? {} : { remoteStatic: Uint8Array.fromBase64(peerNoiseKey) }),
  });
}

export async function exchangeOn(
  channel: SecureChannel,
  home: Home,
  peer: DeviceKey,
  meta: { address: string },
  limits: SessionLimits,
  onLive: () => void,
  provisional = false,
) {
  const exchange = await runExchange(channel, home, {
    readTimeoutMs: limits.readTimeoutMs,
    hiTimeoutMs: Math.min(limits.handshakeTimeoutMs, limits.readTimeoutMs),
    now: () => home.now(),
    ports: limits.ports,
    observed: meta.address,
    seen: seenFor(home, peer, home.now()),
    acceptCheckpoint: memberCheckpoints(home, peer, provisional),
    budget: limits.budget,
    checkpointMin: limits.checkpointMin,
    ...(limits.partBytes === undefined ? {} : { partBytes: limits.partBytes }),
    ...(limits.stateRate === undefined ? {} : { stateRate: limits.stateRate }),
    ...(limits.cutPauseMs === undefined ? {} : { cutPauseMs: limits.cutPauseMs }),
    ...(limits.stallAfter === undefined ? {} : { stallAfter: limits.stallAfter }),
    ...(limits.abilities === undefined ? {} : { abilities: limits.abilities }),
    ...(limits.signal === undefined ? {} : { signal: limits.signal }),
    onReceived: limits.onReceived,
    onHi: onLive,
    peer,
  });
  return { exchange, wire: { sent: channel.bytesSent, received: channel.bytesReceived } };
}

/**
 * Entries of the peer's that we refused (bad signature, gap, not a member)
 * make the session "refused", naming how many, the first reason and where:
 * a peer sending what no honest member sends must show up in the round's
 * line, the server's log and the bookkeeping, not pass as "synced".
 */
export function refusedOf(
  ex: ExchangeResult,
): { status: "refused"; error: string; code: ErrorCode } | undefined {
  const ingest = ex.ingest;
  if (ingest === undefined || ingest.refusedCount === 0) return undefined;
  const r = ingest.refused[0];
  const where = r.author ? ` (${r.author.short}#${r.seq})` : "";
  return {
    status: "refused",
    error: `refused ${plural(ingest.refusedCount, "entry", "entries")}: ${r.reason}${where}`,
    code: "entries_refused",
  };
}
