/**
 * @module pairing_joiner
 * The new device's side of pairing (`mycel pair CODE`): connect to the
 * inviter named in the code, prove knowledge of the code's secret with CPace
 * (the secret itself never crosses the wire), run `Noise_XXpsk3` keyed by the
 * CPace result to exchange device records, then receive the admission entry
 * and the mesh's whole state in one sync exchange. The home is created (or a
 * lone device's home switched to the new mesh) only once the inviter accepted.
 */

import { toBase64 } from "../bytes.ts";
import { cpaceStart } from "../crypto/cpace.ts";
import { Handshake, NOISE_XXPSK3 } from "../crypto/noise.ts";
import { isMycelError, MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import { deviceIdOf, type DeviceKeys, Signer } from "../log/identity.ts";
import { decodePairingCode } from "../protocol/pairing_code.ts";
import {
  bindingMessage,
  decodePairAnswer,
  decodeVerdict,
  decodeWelcome,
  encodeJoinerInfo,
  encodePairHello,
  type Refusal,
  verificationString,
} from "../protocol/pairing_messages.ts";
import { Store } from "../storage/store.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import { SecureChannel } from "../transport/secure_channel.ts";
import { connectTcp } from "../transport/tcp.ts";
import { applyOutcomes } from "./apply.ts";
import { exchangeEntries } from "./exchange.ts";
import { pairingChannelId, pairingPrologue } from "./pairing_common.ts";
import { adoptMesh, createJoinedHome, prepareIdentity } from "./pairing_home.ts";

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
  /** Entries received. */
  received: number;
  /** True when a new home (and key) was created. */
  created: boolean;
}

const HINTS: Record<string, string> = {
  wrong_code: "Check the code on the other device's screen and type it again.",
  expired: "Run `mycel pair` on the other device for a new code.",
  cancelled: "Run `mycel pair` on the other device for a new code.",
  used: "Each code pairs one device. Run `mycel pair` on the other device for a new code.",
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
  const host = o.peer?.host ?? code.host, port = o.peer?.port ?? code.port;
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  let frames: FrameConn;
  try {
    frames = new FrameConn(await connectTcp(host, port, o.timeoutMs), { peer: address });
  } catch (e) {
    throw connectionError(e, address);
  }
  try {
    const read = async () => {
      try {
        const f = await frames.readFrame(o.timeoutMs);
        if (f === null) {
          throw new MycelError("pairing_failed", "join mesh", "the inviting device hung up");
        }
        return f;
      } catch (e) {
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
      protocol: NOISE_XXPSK3,
      initiator: true,
      prologue: pairingPrologue(sid, cpace.message, answer.share),
      staticKey: { publicKey: keys.noisePublic, privateKey: keys.noisePrivate },
      psks: [isk.slice(0, 32)],
    });
    await frames.writeFrame(await hs.writeMessage());
    await hs.readMessage(await read()); // the inviter says nothing before the code's key protects it
    const record: DeviceRecord = { ...identity.record, ipv4: "" };
    const proof = await new Signer(keys).sign(bindingMessage(sid, keys.noisePublic));
    await frames.writeFrame(
      await hs.writeMessage(
        encodeJoinerInfo({ record, proof, mesh: identity.mesh, members: identity.members }),
      ),
    );
    const verdict = decodeVerdict(await read());
    if (verdict) throw refusalError(verdict);
    const channel = SecureChannel.fromHandshake(frames, hs);
    let welcomeBytes: Uint8Array | null;
    try {
      welcomeBytes = await channel.receive(o.timeoutMs);
    } catch (e) {
      if (!isMycelError(e, "noise_decrypt")) throw e;
      // Only someone who does not know the code gets here: the verdict is
      // sent in clear, the welcome is not.
      throw new MycelError("pairing_mitm", "join mesh", "the other side does not know the code", {
        hint:
          "Something between the devices may be impersonating the inviter. Pair on a network you trust.",
      });
    }
    if (welcomeBytes === null) {
      throw new MycelError("pairing_failed", "join mesh", "the inviting device hung up");
    }
    const welcome = decodeWelcome(welcomeBytes);
    const inviter = { mesh: welcome.mesh, record: welcome.inviter };
    const verification = verificationString(channel.handshakeHash);
    o.log(`verification: ${verification} (the other screen shows the same)`);
    const admission = decodeSignedEntry(welcome.admission);
    const admitted = admission.entry.ops.find((op) =>
      op.type === "device.add" && op.device.id === record.id
    );
    if (admission.entry.author !== inviter.record.id || admitted?.type !== "device.add") {
      throw new MycelError(
        "pairing_failed",
        "join mesh",
        "the inviting device sent a wrong admission",
      );
    }
    const self = { ...record, name: admitted.device.name, ipv4: admitted.device.ipv4 };
    const where = {
      author: admission.entry.author,
      seq: admission.entry.seq,
      entry: toBase64(welcome.admission),
    };
    if (identity.existing) await adoptMesh(root, inviter.mesh, where, inviter.record, o);
    else await createJoinedHome(root, keys, self, inviter.mesh, where, inviter.record, o);
    const view = await Store.open(root, { write: false, now: o.now, env: o.env });
    const exchange = await exchangeEntries(channel, view, new Map(), o.timeoutMs);
    channel.close();
    const store = await Store.open(root, { write: true, now: o.now, env: o.env });
    try {
      const outcome = {
        peer: inviter.record.id,
        name: inviter.record.name,
        status: "synced" as const,
        path: "pairing",
        address,
        exchange,
      };
      const [applied] = await applyOutcomes(store, [outcome], new Set([inviter.record.id]));
      await store.save();
      if (applied.status !== "synced") {
        throw new MycelError(
          "pairing_failed",
          "join mesh",
          applied.error ?? "the mesh's state was refused",
        );
      }
      return {
        inviter: inviter.record,
        device: deviceIdOf(keys),
        mesh: inviter.mesh,
        verification,
        received: applied.received,
        created: !identity.existing,
      };
    } finally {
      store.close();
    }
  } finally {
    frames.close();
  }
}
