/**
 * @module pairing_joiner
 * The new device's side of pairing (`mycel pair CODE`): connect to the
 * inviter named in the code, prove knowledge of the code's secret with CPace
 * (the secret itself never crosses the wire), run `Noise_XXpsk1` keyed by the
 * CPace result to exchange device records, confirm the verification string
 * on both screens, then receive the admission entry and the mesh's whole
 * state as the inviter's signed checkpoint, or in parts past one
 * checkpoint's bounds (pairing_state_in.ts). The home is created (or a lone
 * device's home moved into the new mesh) only once both sides agreed.
 */

import { toBase64 } from "../bytes.ts";
import { cpaceStart } from "../crypto/cpace.ts";
import { Handshake } from "../crypto/noise.ts";
import { pairingRefusalCode } from "../error_codes.ts";
import { ExitCode, isMycelError, MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import { type DeviceKeys, Signer } from "../log/identity.ts";
import { decodePairingCode } from "../protocol/pairing_code.ts";
import {
  bindingMessage,
  decodePairAnswer,
  decodeVerdict,
  decodeWelcome,
  encodeConfirm,
  encodeJoinerInfo,
  encodePairHello,
  type Refusal,
  refusalInstead,
} from "../protocol/pairing_messages.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import { connectTcp } from "../transport/tcp.ts";
import {
  confirmBoth,
  openVerified,
  PAIRING_NOISE,
  pairingChannelId,
  pairingPrologue,
} from "./pairing_common.ts";
import { adoptMesh, createJoinedHome, prepareIdentity } from "./pairing_home.ts";
import { receiveState } from "./pairing_state_in.ts";
import { SLOWEST_STATE_RATE, STATE_RATE_KNOB, StateClock } from "./pairing_state_time.ts";
import { DEFAULT_WG_PORT } from "../mesh/plan.ts";
import { advertisable, type LocalAddress, selfUpdate } from "../mesh/self_endpoints.ts";

/** Options of {@link join}. */
export interface JoinOptions {
  /** Name for this device (new homes; default: host name). */
  name?: string;
  /** Connect here instead of the address in the code. */
  peer?: { host: string; port: number };
  /** Wall clock. */
  now: () => number;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Connect and read deadline (ms). */
  timeoutMs: number;
  /** Progress lines. */
  log: (line: string) => void;
  /**
   * Ask "same verification string on both screens?" (false: do not join);
   * `dropped` fires when the other side ended the exchange first.
   */
  confirm: (verification: string, dropped: AbortSignal) => Promise<boolean>;
  /** Cancels the pairing (Ctrl-C). */
  signal?: AbortSignal;
  /** This machine's addresses: the record we introduce ourselves with lists them. */
  addresses?: readonly LocalAddress[];
}

/** A completed join. */
export interface JoinResult {
  /** The device that admitted us. */
  inviter: DeviceRecord;
  /** This device's id. */
  device: string;
  /** The mesh joined. */
  mesh: string;
  /** Verification string (both screens show it). */
  verification: string;
  /** Devices in the mesh now. */
  devices: number;
  /** True when a new home (and key) was created. */
  created: boolean;
}

const HINTS: Record<string, string> = {
  wrong_code: "Check the code on the other device's screen and type it again.",
  expired: "Run `mycel pair` on the other device for a new code.",
  cancelled: "Run `mycel pair` on the other device for a new code.",
  used: "Each code pairs one device. Run `mycel pair` on the other device for a new code.",
  declined: "Pair again and compare the verification strings on both screens.",
};

/** `pairing_<refusal>` (`pairing_revoked` starts join's retry with a new key), or `pairing_failed`. */
function refusalError(r: Refusal): MycelError {
  const code = pairingRefusalCode(r.code);
  const value = code === "pairing_failed" ? r.code : undefined;
  return new MycelError(code, "join mesh", r.message, {
    value,
    // Own keys only: a refusal code such as "constructor" names no hint.
    hint: Object.hasOwn(HINTS, r.code) ? HINTS[r.code] : undefined,
  });
}

function connectionError(e: unknown, address: string): MycelError {
  if (isMycelError(e, "connection_refused")) {
    return new MycelError("pairing_unreachable", "join mesh", "nobody is waiting for this code", {
      value: address,
      hint:
        "The code may have expired, been used or cancelled, or the other device stopped `mycel pair`." +
        " Run `mycel pair` there for a new code.",
    });
  }
  if (isMycelError(e, "timeout") || isMycelError(e, "unreachable")) {
    return new MycelError(
      "pairing_timeout",
      "join mesh",
      "the inviting device did not answer in time",
      {
        value: address,
        hint:
          "Check that both devices are on the same network and the other one still shows the code.",
      },
    );
  }
  return isMycelError(e)
    ? e
    : new MycelError("pairing_failed", "join mesh", String(e), { value: address });
}

/** Hung up before answering the hello: maybe no pairing port at all (a sync port given to --peer). */
function hungUpAtHello(address: string, peerGiven: boolean): MycelError {
  return new MycelError(
    "pairing_failed",
    "join mesh",
    "the inviting device hung up before answering",
    {
      value: address,
      hint: peerGiven
        ? `${address} may be the other device's sync port (\`sync serve\`, its endpoint), which ` +
          "does not pair: give --peer the port `mycel pair` listens on there (its --listen; " +
          "the code holds it), or leave --peer out."
        : "Is `mycel pair` still waiting on the other device? Run it again there for a new code.",
    },
  );
}

/**
 * Reset before answering our hello: the inviter closed its listening socket
 * with our connection still in its kernel's queue, which it does once its
 * code paired another device (or when `mycel pair` stops there). It takes
 * what is queued first (pairing_listener.ts), so this is one connection
 * coming at that very moment.
 */
function resetAtHello(address: string): MycelError {
  return new MycelError(
    "pairing_failed",
    "join mesh",
    "the inviting device reset the connection before answering",
    {
      value: address,
      hint: "The code may have just paired another device (each code pairs one), or " +
        "`mycel pair` stopped there. Run `mycel pair` on the other device for a new code.",
    },
  );
}

/** The peer reset the connection (not a clean hang-up, not closed here). */
function wasReset(e: unknown): boolean {
  const E = Deno.errors, cause = (e as Error).cause;
  return isMycelError(e, "connection_closed") &&
    (cause instanceof E.ConnectionReset || cause instanceof E.BrokenPipe ||
      cause instanceof E.ConnectionAborted);
}

/** Join the mesh of the device that shows `codeText`. */
export async function join(root: string, codeText: string, o: JoinOptions): Promise<JoinResult> {
  const code = decodePairingCode(codeText);
  try {
    return await joinOnce(root, code, o);
  } catch (e) {
    if (!isMycelError(e, "pairing_revoked")) throw e;
    o.log("This device's old key was removed from the mesh; making a new one and trying again.");
    return await joinOnce(root, code, { ...o }, true);
  }
}

async function joinOnce(
  root: string,
  code: { host: string; port: number; secret: Uint8Array },
  o: JoinOptions,
  fresh = false,
): Promise<JoinResult> {
  const identity = await prepareIdentity(root, o, fresh);
  if (o.addresses) {
    // Endpoints and WireGuard port from the start: `mesh up` works on both sides at once.
    const up = selfUpdate(
      identity.record,
      identity.managed,
      advertisable(o.addresses),
      DEFAULT_WG_PORT,
    );
    identity.record = { ...identity.record, ...up.fields };
    identity.managed = up.auto;
  }
  const host = o.peer?.host ?? code.host, port = o.peer?.port ?? code.port;
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  let frames: FrameConn;
  try {
    frames = new FrameConn(await connectTcp(host, port, o.timeoutMs), { peer: address });
  } catch (e) {
    throw connectionError(e, address);
  }
  const cancelled = () =>
    new MycelError("pairing_cancelled", "join mesh", "the pairing was cancelled here", {
      exit: ExitCode.interrupted,
    });
  const onAbort = () => frames.close();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  // Ctrl-C and the whole state's deadline both end the wait by closing the connection.
  const clock = new StateClock(
    Number(o.env(STATE_RATE_KNOB)) || SLOWEST_STATE_RATE,
    () => frames.close(),
  );
  try {
    // Ctrl-C while connecting fired before there was a connection to close.
    if (o.signal?.aborted) throw cancelled();
    // `first`: the answer to our hello. Hanging up before any answer is
    // what a sync port does (`sync serve`, the endpoint peers are told),
    // a thing easily given to --peer in place of the pairing port.
    const read = async (first = false) => {
      try {
        const f = await frames.readFrame(o.timeoutMs);
        if (f === null && first) throw hungUpAtHello(address, o.peer !== undefined);
        if (f === null) {
          throw new MycelError("pairing_failed", "join mesh", "the inviting device hung up");
        }
        return f;
      } catch (e) {
        if (o.signal?.aborted) throw cancelled();
        if (first && wasReset(e)) throw resetAtHello(address);
        throw connectionError(e, address);
      }
    };
    const sid = crypto.getRandomValues(new Uint8Array(16));
    const cpace = cpaceStart({
      password: code.secret,
      role: "initiator",
      channelId: pairingChannelId(),
      sid,
    });
    await frames.writeFrame(encodePairHello({ sid, share: cpace.message })).catch((e) => {
      throw wasReset(e) ? resetAtHello(address) : e;
    });
    const answer = decodePairAnswer(await read(true));
    if ("refusal" in answer) throw refusalError(answer.refusal);
    const { isk } = cpace.finish(answer.share);
    const keys: DeviceKeys = identity.keys;
    const hs = Handshake.create({
      protocol: PAIRING_NOISE,
      initiator: true,
      prologue: pairingPrologue(sid, cpace.message, answer.share),
      staticKey: { publicKey: keys.noisePublic, privateKey: keys.noisePrivate },
      psks: [isk.slice(0, 32)],
    });
    await frames.writeFrame(await hs.writeMessage());
    const m1 = await read();
    const wrong = refusalInstead(m1);
    if (wrong) throw refusalError(wrong);
    try {
      await hs.readMessage(m1);
    } catch (e) {
      if (!isMycelError(e, "noise_decrypt")) throw e;
      // The inviter's message is keyed by the code: only someone who does
      // not know it sends one we cannot read.
      throw new MycelError("pairing_mitm", "join mesh", "the other side does not know the code", {
        hint:
          "Something between the devices may be impersonating the inviter. Pair on a network you trust.",
      });
    }
    const record: DeviceRecord = { ...identity.record, ipv4: "" };
    const proof = await new Signer(keys).sign(bindingMessage(sid, keys.noisePublic));
    await frames.writeFrame(
      await hs.writeMessage(
        encodeJoinerInfo({ record, proof, mesh: identity.mesh, members: identity.members }),
      ),
    );
    const verdict = decodeVerdict(await read());
    if (verdict) throw refusalError(verdict);
    const { channel, verification, inbox } = openVerified(frames, hs, o.log);
    const agreed = await confirmBoth(
      inbox,
      (dropped) => o.confirm(verification, dropped),
      o.timeoutMs * 20,
    ).catch((e) => {
      throw o.signal?.aborted ? cancelled() : e;
    });
    // Ctrl-C at the question reads as a "no" to the other side, and as what it is here.
    if (o.signal?.aborted) throw cancelled();
    if (agreed === "peer_gone") {
      throw new MycelError(
        "pairing_failed",
        "join mesh",
        "the other device hung up before the verification string was confirmed",
        { hint: HINTS.expired },
      );
    }
    if (agreed !== "yes") {
      throw refusalError({
        code: "declined",
        message: agreed === "no"
          ? "you did not confirm the verification string"
          : "the other device did not confirm",
      });
    }
    const receive = async () => {
      const raw = await inbox.next(o.timeoutMs).catch((e) => {
        throw o.signal?.aborted ? cancelled() : e;
      });
      if (raw === null) {
        throw new MycelError("pairing_failed", "join mesh", "the inviting device hung up");
      }
      return raw;
    };
    const welcome = decodeWelcome(await receive());
    const inviter = welcome.inviter;
    const { state, members } = await receiveState({
      receive,
      allowMore: (bytes) => frames.allowMore(bytes),
      inviter: inviter.key,
      mesh: welcome.mesh,
      existing: identity.existing,
      clock,
    });
    const admission = decodeSignedEntry(welcome.admission);
    const admitted = admission.entry.ops.find((op) =>
      op.type === "device.add" && op.device.key === record.key
    );
    if (admission.entry.author !== inviter.key || admitted?.type !== "device.add") {
      throw new MycelError(
        "pairing_failed",
        "join mesh",
        "the inviting device sent a wrong admission",
      );
    }
    const self = { ...record, name: admitted.device.name, ipv4: admitted.device.ipv4 };
    const where = {
      author: admission.entry.author.id,
      seq: admission.entry.seq,
      entry: toBase64(welcome.admission),
    };
    if (identity.existing) {
      await adoptMesh(root, welcome.mesh, state, where, inviter.key, o, {
        record: self,
        managed: identity.managed,
        keys: identity.keys,
      });
    } else {
      await createJoinedHome(root, identity, self, welcome.mesh, state, where, inviter.key, o);
    }
    await channel.send(encodeConfirm(true));
    channel.close();
    return {
      inviter,
      device: record.id,
      mesh: welcome.mesh,
      verification,
      devices: members.filter((m) => m.removed === undefined).length,
      created: !identity.existing,
    };
  } finally {
    clock.stop();
    o.signal?.removeEventListener("abort", onAbort);
    frames.close();
  }
}
