/**
 * @module peer_session
 * One sync session with one peer, either side. The initiator dials, runs
 * `Noise_IK` with the peer's known Noise key; the responder reads nothing but
 * its own Noise key until the handshake proved who is calling, checks that
 * key against the device set (admission.ts) and answers or refuses. Then both
 * run the exchange (exchange.ts). A session never throws: it ends in an
 * outcome, whose `live` says whether the peer proved a live session (its
 * first encrypted message arrived) — only then may bookkeeping change, so a
 * replayed first handshake message changes nothing. Its outcome and limits
 * are declared in peer_session_types.ts.
 */

import { toBase64 } from "../bytes.ts";
import { NOISE_IK, NOISE_IK_AESGCM } from "../crypto/noise.ts";
import { knownCode } from "../error_codes.ts";
import { type ErrorCode, isMycelError, MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import {
  decodeHello,
  decodeHelloReply,
  encodeHello,
  encodeHelloReply,
  GENERIC_REFUSAL,
} from "../protocol/sync_hello.ts";
import { SYNC_PROTOCOL_VERSION } from "../protocol/sync_fields.ts";
import { HANDSHAKE_CHECK } from "../protocol/sync_messages.ts";
import type { Home } from "../storage/home_handle.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { initiatorHandshake, responderHandshake } from "../transport/handshake_io.ts";
import { admitInitiator } from "./admission.ts";
import type { NoiseKeys, SessionLimits, SessionOutcome } from "./peer_session_types.ts";
import { exchangeOn, guarded, handshake, refusedOf } from "./peer_session_run.ts";

/**
 * Initiator: a session with `peer` over the connected `stream`, under
 * `protocol` ({@link NOISE_IK}; {@link NOISE_IK_AESGCM} for a peer on an
 * earlier release, see round.ts).
 */
export function initiateSession(
  home: Home,
  keys: NoiseKeys,
  peer: DeviceRecord,
  stream: ByteStream,
  meta: { path: string; address: string },
  limits: SessionLimits,
  admission: readonly Uint8Array[] = [],
  protocol = NOISE_IK,
): Promise<SessionOutcome> {
  let live = false;
  const base = (): SessionOutcome => ({
    peer: peer.key,
    name: peer.name,
    path: meta.path,
    address: meta.address,
    status: "failed",
    live,
  });
  return guarded(stream, meta, limits, base, async (conn, adopt, session) => {
    const hello = encodeHello({ version: SYNC_PROTOCOL_VERSION, admission });
    const { replyPayload, channel } = await initiatorHandshake(
      conn,
      handshake(keys, peer.noiseKey, protocol),
      hello,
      limits.handshakeTimeoutMs,
    );
    adopt(channel);
    const reply = decodeHelloReply(replyPayload);
    // IK's second message proved the peer holds the key we dialled.
    live = true;
    if (!reply.ok) {
      return { ...base(), status: "refused", error: reply.message, code: knownCode(reply.code) };
    }
    const done = await exchangeOn(channel, home, peer.key, meta, session, () => {});
    const theirs = refusedOf(done.exchange);
    if (theirs) return { ...base(), ...done, ...theirs };
    const ack = done.exchange.peerAck;
    if (ack !== undefined && ack.refused > 0) {
      return {
        ...base(),
        ...done,
        status: "refused",
        error: `the peer refused ${ack.refused} of our entries`,
        code: "entries_refused_by_peer",
      };
    }
    await limits.afterExchange?.(channel, peer.key);
    return { ...base(), ...done, status: "synced" };
  });
}

/** Responder: answer one connection on `stream`. */
export function respondSession(
  home: Home,
  keys: NoiseKeys,
  stream: ByteStream,
  meta: { path: string; address: string },
  limits: SessionLimits,
): Promise<SessionOutcome> {
  let who: { peer?: DeviceKey; name: string } = { name: "" };
  let live = false;
  let provisional: SessionOutcome["provisional"];
  let removedTry: Uint8Array | undefined;
  const base = (): SessionOutcome => ({
    ...who,
    path: meta.path,
    address: meta.address,
    status: "failed",
    live,
    ...(provisional ? { provisional } : {}),
    ...(removedTry ? { removedTry } : {}),
  });
  return guarded(stream, meta, limits, base, async (conn, adopt, session) => {
    let refusal: { code: ErrorCode; message: string } | undefined;
    const { channel } = await responderHandshake(
      conn,
      // A device on a release before ChaChaPoly still gets in (noise_protocol.ts).
      (limits.offered ?? [NOISE_IK, NOISE_IK_AESGCM]).map((p) => handshake(keys, undefined, p)),
      limits.handshakeTimeoutMs,
      async (payload, rs, re) => {
        let hello;
        try {
          hello = decodeHello(payload);
        } catch (e) {
          refusal = e instanceof MycelError && e.code === "version_mismatch"
            ? {
              code: "version_mismatch",
              message:
                `this device speaks sync protocol version ${SYNC_PROTOCOL_VERSION}: update mycel on both`,
            }
            : { code: "bad_message", message: "the hello could not be read" };
          return encodeHelloReply({ ok: false, ...refusal });
        }
        const verdict = await admitInitiator(home, hello, rs);
        if (!verdict.ok) {
          refusal = verdict;
          // Its message read under the removed device's static key: that
          // device, or a replay of a message of its (told by the caller).
          if (verdict.code === "removed" && re !== undefined) removedTry = re;
          who = {
            peer: verdict.peer,
            name: verdict.peer ? home.view.member(verdict.peer)?.record.name ?? "" : "",
          };
          return encodeHelloReply({ ok: false, code: verdict.code, message: verdict.message });
        }
        if (re !== undefined && limits.replays && !(await limits.replays.admit(re))) {
          // The member's own first message, connected with again: a replay.
          refusal = GENERIC_REFUSAL;
          return encodeHelloReply({ ok: false, ...GENERIC_REFUSAL });
        }
        who = { peer: verdict.peer, name: verdict.name };
        const busy = limits.onAdmitted?.(verdict.peer);
        if (busy !== undefined) {
          refusal = { code: "busy", message: busy };
          return encodeHelloReply({ ok: false, ...refusal });
        }
        provisional = verdict.provisional;
        return encodeHelloReply({ ok: true, version: SYNC_PROTOCOL_VERSION });
      },
    );
    adopt(channel);
    if (refusal !== undefined) {
      return { ...base(), status: "refused", error: refusal.message, code: refusal.code };
    }
    let done;
    try {
      done = await exchangeOn(
        channel,
        home,
        who.peer!,
        meta,
        session,
        // The initiator's first message can be a replay: only its `hi`
        // proves a live session, and only then is its slot kept (a replayed
        // handshake from many addresses held every slot, unevictable: found
        // by a review).
        () => {
          live = true;
          limits.onAuthenticated?.();
        },
        provisional !== undefined,
      );
    } catch (e) {
      // Its handshake was all it wanted (a replay can end so too: it proves
      // nothing either way, and `live` stays false, so nothing is noted).
      if (!live && isMycelError(e, `peer_${HANDSHAKE_CHECK}`)) {
        return { ...base(), status: "checked" };
      }
      throw e;
    }
    const refused = refusedOf(done.exchange);
    if (refused === undefined) await limits.afterExchange?.(channel, who.peer!);
    return { ...base(), ...done, ...(refused ?? { status: "synced" }) };
  });
}

/** The Noise key text of `keys` (as device records hold it). */
export function noiseKeyText(keys: NoiseKeys): string {
  return toBase64(keys.noisePublic);
}
