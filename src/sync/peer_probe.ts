/**
 * @module peer_probe
 * A sync handshake with a peer and nothing more, for `mycel doctor`: dial,
 * run `Noise_IK` with the peer's known Noise key and our hello, read its
 * reply, and end the session as a check (an `error` HANDSHAKE_CHECK in place
 * of our `hi`, which the peer logs as a check, not as a failed session;
 * sync_messages.ts), then wait for it to hang up. An open port proves only that something listens there
 * (another service, another device behind a reused address); a completed
 * handshake proves a mycel sync server holding that peer's key, and its
 * reply says whether it admits this device. No entry is exchanged and no
 * bookkeeping changes on either side: the responder counts a session live
 * only once the exchange's first message arrives (peer_session.ts), which a
 * probe never sends. A peer on a release before ChaChaPoly hangs up on the
 * first message: dialled again once under AESGCM, as round.ts does.
 */

import { Handshake, NOISE_IK, NOISE_IK_AESGCM } from "../crypto/noise.ts";
import { MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { decodeHelloReply, encodeHello } from "../protocol/sync_hello.ts";
import { encodeSyncMessage, HANDSHAKE_CHECK } from "../protocol/sync_messages.ts";
import { SYNC_PROLOGUE, SYNC_PROTOCOL_VERSION } from "../protocol/sync_fields.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import { initiatorHandshake } from "../transport/handshake_io.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import type { NoiseKeys } from "./peer_session_types.ts";

/** What a handshake probe found. */
export type ProbeResult =
  /** A mycel sync server holding the peer's key, which admits this device. */
  | { kind: "answered" }
  /** The peer's sync server (it proved its key), refusing this device: why, as it says. */
  | { kind: "refused"; reason: string }
  /** The connection opened, but no sync handshake with the peer's key completed: why. */
  | { kind: "no_handshake"; reason: string };

/**
 * Probe `peer` over connections `dial` opens (called once, twice for a peer
 * on an older release), each handshake within `timeoutMs`. `admission`: the
 * entries a round would send in its hello (round.ts `admissionFor`).
 */
export async function probePeer(
  keys: NoiseKeys,
  peer: DeviceRecord,
  dial: () => Promise<ByteStream>,
  timeoutMs: number,
  admission: readonly Uint8Array[] = [],
): Promise<ProbeResult> {
  const first = await once(keys, peer, await dial(), timeoutMs, admission, NOISE_IK);
  if (first.kind !== "no_handshake" || !/hung up during the handshake/.test(first.reason)) {
    return first;
  }
  let again;
  try {
    again = await dial();
  } catch {
    return first;
  }
  const older = await once(keys, peer, again, timeoutMs, admission, NOISE_IK_AESGCM);
  return older.kind === "no_handshake" ? first : older;
}

async function once(
  keys: NoiseKeys,
  peer: DeviceRecord,
  stream: ByteStream,
  timeoutMs: number,
  admission: readonly Uint8Array[],
  protocol: string,
): Promise<ProbeResult> {
  const conn = new FrameConn(stream);
  const hs = Handshake.create({
    protocol,
    initiator: true,
    prologue: SYNC_PROLOGUE,
    staticKey: { publicKey: keys.noisePublic, privateKey: keys.noisePrivate },
    remoteStatic: Uint8Array.fromBase64(peer.noiseKey),
  });
  try {
    const hello = encodeHello({ version: SYNC_PROTOCOL_VERSION, admission: [...admission] });
    const { replyPayload, channel } = await initiatorHandshake(conn, hs, hello, timeoutMs);
    // IK's second message proved the peer holds the key we dialled.
    const reply = decodeHelloReply(replyPayload);
    if (!reply.ok) return { kind: "refused", reason: reply.message };
    await endAsCheck(channel, timeoutMs);
    return { kind: "answered" };
  } catch (e) {
    const reason = e instanceof MycelError
      ? e.message.replace(/^Cannot [^:]*: /, "")
      : String((e as Error).message ?? e);
    return { kind: "no_handshake", reason };
  } finally {
    conn.close();
  }
}

/**
 * Tell the peer we only checked, then read until it hangs up (its `hi`
 * comes meanwhile), at most `timeoutMs`: closing with its bytes unread
 * would reset the connection, and the reset could reach it before our
 * message. The handshake answered already: nothing here changes the result.
 */
async function endAsCheck(channel: SecureChannel, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  try {
    await channel.send(encodeSyncMessage({
      type: "error",
      code: HANDSHAKE_CHECK,
      message: "a handshake check (mycel doctor): nothing to exchange",
    }));
    while (Date.now() < until && await channel.receive(until - Date.now()) !== null) {
      // its `hi`, or anything else it sends before it hangs up: not read
    }
  } catch {
    // it hung up first, or took longer: the check is done either way
  } finally {
    channel.close();
  }
}
