/**
 * @module handshake_io
 * Runs a Noise handshake over a {@link FrameConn}, one frame per handshake
 * message, and hands back a {@link SecureChannel}. {@link exchange} works for
 * any pattern (IK's two messages, XXpsk3's three); the two role helpers cover
 * the common "request in the first message, answer in the second" shape.
 * On any failure the handshake is disposed (wiping its keys) and the
 * connection closed, so a caller's error path has nothing left to clean up.
 */

import { type Handshake, parseNoiseProtocol } from "../crypto/noise.ts";
import { MycelError } from "../errors.ts";
import type { FrameConn } from "./frame_conn.ts";
import { closedError } from "./io_errors.ts";
import { SecureChannel, type SecureChannelOptions } from "./secure_channel.ts";

const EMPTY = new Uint8Array(0);

/** Per-message callbacks of {@link exchange}; indexes count every message of the pattern from 0. */
export interface ExchangeHooks {
  /** The payload of our message `index` (default empty). */
  payload?(index: number, hs: Handshake): Uint8Array | Promise<Uint8Array>;
  /**
   * Look at the peer's message `index` as soon as it is read, e.g. to check
   * `hs.remoteStatic` against the device set. Throw to abort the handshake.
   */
  received?(index: number, payload: Uint8Array, hs: Handshake): void | Promise<void>;
}

/** A finished handshake: the channel and the peer's payloads by message index. */
export interface ExchangeResult {
  /** The encrypted channel over the same connection. */
  channel: SecureChannel;
  /** One entry per handshake message: the payload when the peer sent it, else undefined. */
  payloads: (Uint8Array | undefined)[];
}

/**
 * Run every message of the (fresh) handshake `hs` over `conn`, waiting at
 * most `timeoutMs` for each of the peer's messages. Errors from the frame
 * layer, the Noise engine and the hooks are passed on unchanged.
 */
export async function exchange(
  conn: FrameConn,
  hs: Handshake,
  timeoutMs: number,
  hooks: ExchangeHooks = {},
  options: SecureChannelOptions = {},
  done: (Uint8Array | undefined)[] = [],
): Promise<ExchangeResult> {
  // `done`: payloads of messages already run (a responder that picked its
  // protocol by the first message, below).
  const payloads: (Uint8Array | undefined)[] = [...done];
  try {
    for (let index = done.length; !hs.complete; index++) {
      if (hs.turn === "write") {
        const payload = (await hooks.payload?.(index, hs)) ?? EMPTY;
        await conn.writeFrame(await hs.writeMessage(payload));
        payloads[index] = undefined;
        continue;
      }
      const frame = await conn.readFrame(timeoutMs);
      if (frame === null) {
        throw closedError("complete handshake", "the peer hung up during the handshake", conn.peer);
      }
      if (frame.length === 0 && index === 1) {
        // No handshake message is empty: the responder's "busy" (BUSY_FRAME).
        throw new MycelError(
          "peer_busy",
          "complete handshake",
          "the peer is busy: it serves as many connections as it takes now; the next round tries again",
          { value: conn.peer },
        );
      }
      const payload = await hs.readMessage(frame);
      payloads[index] = payload;
      await hooks.received?.(index, payload, hs);
    }
    return { channel: SecureChannel.fromHandshake(conn, hs, options), payloads };
  } catch (error) {
    hs.dispose();
    conn.close();
    throw error;
  }
}

// A wrong role is a programming error, but it still must not leak the connection.
function checkRole(conn: FrameConn, hs: Handshake, initiator: boolean): void {
  const { messages } = parseNoiseProtocol(hs.protocol).pattern;
  const role = initiator ? "initiator" : "responder";
  if (hs.initiator !== initiator || messages.length < 2) {
    hs.dispose();
    conn.close();
    throw new MycelError(
      "transport_state",
      "run handshake",
      `needs the ${role} of a two-way pattern`,
      {
        value: hs.protocol,
      },
    );
  }
}

/**
 * Initiator of a request/response handshake such as IK: send `payload` in
 * the first message, return the responder's reply payload (message 1).
 * Later messages of longer patterns carry empty payloads.
 */
export async function initiatorHandshake(
  conn: FrameConn,
  hs: Handshake,
  payload: Uint8Array,
  timeoutMs: number,
  options: SecureChannelOptions = {},
): Promise<{ replyPayload: Uint8Array; channel: SecureChannel }> {
  checkRole(conn, hs, true);
  const hooks = { payload: (index: number) => index === 0 ? payload : EMPTY };
  const { channel, payloads } = await exchange(conn, hs, timeoutMs, hooks, options);
  return { replyPayload: payloads[1] ?? EMPTY, channel };
}

/**
 * Responder of a request/response handshake: read the first message, let
 * `decide` see its payload, the initiator's static key (known by then in
 * IK, not yet in XX) and its ephemeral key (to tell a replay), and send
 * what it returns as the reply. A refusal is just a reply the caller
 * encodes; close the channel afterwards if so.
 */
export async function responderHandshake(
  conn: FrameConn,
  hs: Handshake | readonly Handshake[],
  timeoutMs: number,
  decide: (
    payload: Uint8Array,
    remoteStatic: Uint8Array | undefined,
    remoteEphemeral: Uint8Array | undefined,
  ) => Promise<Uint8Array>,
  options: SecureChannelOptions = {},
): Promise<{ payload: Uint8Array; channel: SecureChannel }> {
  const candidates = Array.isArray(hs) ? hs as readonly Handshake[] : [hs as Handshake];
  for (const c of candidates) checkRole(conn, c, false);
  let first: Uint8Array = EMPTY;
  const hooks: ExchangeHooks = {
    received(index, payload) {
      if (index === 0) first = payload;
    },
    payload: (index, h) => index === 1 ? decide(first, h.remoteStatic, h.remoteEphemeral) : EMPTY,
  };
  if (candidates.length === 1) {
    const { channel } = await exchange(conn, candidates[0], timeoutMs, hooks, options);
    return { payload: first, channel };
  }
  const picked = await pickProtocol(conn, candidates, timeoutMs);
  first = picked.payload;
  const { channel } = await exchange(conn, picked.hs, timeoutMs, hooks, options, [first]);
  return { payload: first, channel };
}

/**
 * Read the initiator's first message and keep the first of `candidates`
 * (the same pattern under different protocol names) that reads it: the
 * name is hashed into the transcript, so only the initiator's own name
 * authenticates the message. The others are disposed; when none reads it,
 * the first candidate's error is thrown and the connection closed.
 */
async function pickProtocol(
  conn: FrameConn,
  candidates: readonly Handshake[],
  timeoutMs: number,
): Promise<{ hs: Handshake; payload: Uint8Array }> {
  const dispose = () => {
    for (const c of candidates) c.dispose();
    conn.close();
  };
  let frame: Uint8Array | null;
  try {
    frame = await conn.readFrame(timeoutMs);
  } catch (error) {
    dispose();
    throw error;
  }
  if (frame === null) {
    dispose();
    throw closedError("complete handshake", "the peer hung up during the handshake", conn.peer);
  }
  let firstError: unknown;
  for (const [i, c] of candidates.entries()) {
    try {
      const payload = await c.readMessage(frame);
      for (const other of candidates) if (other !== c) other.dispose();
      return { hs: c, payload };
    } catch (error) {
      if (i === 0) firstError = error;
    }
  }
  dispose();
  throw firstError;
}

/**
 * What a listener at its connection cap writes before hanging up: an empty
 * frame, which no handshake message is, so the initiator can say "busy"
 * rather than "hung up during the handshake" (and not dial again with the
 * older suite, as it does for a hang-up). Says nothing about the mesh.
 */
export const BUSY_FRAME: Uint8Array = new Uint8Array(2);
