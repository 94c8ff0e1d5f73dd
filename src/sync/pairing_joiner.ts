/**
 * @module pairing_joiner
 * The new device's side of pairing (`mycel pair CODE`): connect to the
 * inviter named in the code, prove knowledge of the code's secret with CPace
 * (the secret itself never crosses the wire), run `Noise_XXpsk1` keyed by the
 * CPace result to exchange device records, confirm the verification string
 * on both screens, then receive the admission entry and the mesh's whole
 * state as the inviter's signed checkpoint. The home is created (or a lone
 * device's home moved into the new mesh) only once both sides agreed.
 */

import { concatBytes, toBase64 } from "../bytes.ts";
import { cpaceStart } from "../crypto/cpace.ts";
import { Handshake } from "../crypto/noise.ts";
import { ExitCode, isMycelError, MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import { MAX_CHECKPOINT_BYTES, readCheckpoint } from "../log/checkpoint.ts";
import { headProofProblem } from "../log/checkpoint_claims.ts";
import { type DeviceKeys, Signer } from "../log/identity.ts";
import { decodePairingCode } from "../protocol/pairing_code.ts";
import {
  bindingMessage,
  decodePairAnswer,
  decodeStatePiece,
  decodeVerdict,
  decodeWelcome,
  encodeConfirm,
  encodeJoinerInfo,
  encodePairHello,
  type Refusal,
  refusalInstead,
  type StatePiece,
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
import { adoptMesh, createJoinedHome, type MeshState, prepareIdentity } from "./pairing_home.ts";
import { readPartedHead } from "../log/checkpoint_parts_decode.ts";
import { bad } from "../log/checkpoint_format.ts";
import type { MemberInfo } from "../log/state.ts";

/** The state's messages did not come in the order the protocol has. */
function outOfStep(): MycelError {
  return new MycelError("pairing_failed", "join mesh", "the mesh's state came out of step");
}
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

function refusalError(r: Refusal): MycelError {
  return new MycelError(`pairing_${r.code}`, "join mesh", r.message, { hint: HINTS[r.code] });
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
  try {
    // Ctrl-C while connecting fired before there was a connection to close.
    if (o.signal?.aborted) throw cancelled();
    const read = async () => {
      try {
        const f = await frames.readFrame(o.timeoutMs);
        if (f === null) {
          throw new MycelError("pairing_failed", "join mesh", "the inviting device hung up");
        }
        return f;
      } catch (e) {
        if (o.signal?.aborted) throw cancelled();
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
    await frames.writeFrame(encodePairHello({ sid, share: cpace.message }));
    const answer = decodePairAnswer(await read());
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
    const notInviters = () =>
      new MycelError(
        "pairing_failed",
        "join mesh",
        "the mesh's state was not signed by the inviting device",
      );
    /** The rest of a checkpoint, head or part that `first` starts, at most `max` bytes. */
    const gather = async (first: StatePiece, max: number, tooLarge: () => Error) => {
      if (first.kind === "state-end") throw outOfStep();
      const chunks = [first.chunk];
      let total = first.chunk.length;
      for (let piece = first; !piece.last;) {
        if (total > max) throw tooLarge();
        const next = decodeStatePiece(await receive());
        if (next.kind !== first.kind) throw outOfStep();
        piece = next;
        chunks.push(piece.chunk);
        total += piece.chunk.length;
      }
      if (total > max) throw tooLarge();
      return concatBytes(...chunks);
    };
    const stateTooLarge = () =>
      new MycelError("pairing_failed", "join mesh", "the mesh's state is too large");
    const first = decodeStatePiece(await receive());
    let state: MeshState;
    let members: MemberInfo[];
    if (first.kind === "state-head") {
      // A state over one checkpoint's bounds: a signed head, then parts
      // checked against it one at a time as they are folded in (the home is
      // made as they come; any refusal leaves none).
      const head = await readPartedHead(
        await gather(first, MAX_CHECKPOINT_BYTES, stateTooLarge),
      );
      if (head.signer !== inviter.key || head.mesh !== welcome.mesh) throw notInviters();
      const unproven = headProofProblem(head);
      if (unproven !== undefined) {
        throw new MycelError(
          "pairing_failed",
          "join mesh",
          `the mesh's state is refused: ${unproven}`,
        );
      }
      if (identity.existing) {
        throw new MycelError(
          "checkpoint_parts_unsupported",
          "join mesh",
          "the mesh's state comes in parts (it is over 64 MiB), which only a new device takes",
          { hint: "Pair this device as a new one: move its home aside, or use --home DIR." },
        );
      }
      let part = 0;
      state = {
        head,
        next: async (size) => {
          const piece = decodeStatePiece(await receive());
          if (piece.kind === "state-end") return undefined;
          if (piece.kind !== "state-part") throw outOfStep();
          part++;
          // One more than declared: its first chunk is enough to refuse it by name.
          if (size === 0) return piece.chunk;
          return await gather(piece, size, () =>
            bad(
              `part ${part} of ${head.parts.length} is larger than its head declares (${size} bytes)`,
            ));
        },
      };
      members = head.state.view.members();
    } else {
      if (first.kind !== "state") throw outOfStep();
      const cp = await readCheckpoint(await gather(first, MAX_CHECKPOINT_BYTES, stateTooLarge));
      if (cp.signer !== inviter.key || cp.mesh !== welcome.mesh) throw notInviters();
      // Holding nothing yet, this device can check no head against its own
      // chains: each must come with its author's signed entry.
      const unproven = headProofProblem(cp);
      if (unproven !== undefined) {
        throw new MycelError(
          "pairing_failed",
          "join mesh",
          `the mesh's state is refused: ${unproven}`,
        );
      }
      state = { cp };
      members = cp.state.view.members();
    }
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
      await adoptMesh(root, welcome.mesh, state, where, o, {
        record: self,
        managed: identity.managed,
      });
    } else await createJoinedHome(root, identity, self, welcome.mesh, state, where, o);
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
    o.signal?.removeEventListener("abort", onAbort);
    frames.close();
  }
}
