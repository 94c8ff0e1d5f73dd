/**
 * @module pairing_attempt
 * One pairing attempt, from the joiner's first Noise message on (its CPace
 * share was answered by pairing_opening.ts): the code check (a wrong code
 * costs one of {@link MAX_ATTEMPTS} and is told so, before our static key is
 * sent), the joiner's record and proof, the verification string both people
 * confirm, the signed admission, and the mesh's state as a checkpoint, which
 * the joiner must say it stored.
 */

import { isMycelError, MycelError } from "../errors.ts";
import { CHECKPOINT_LIMITS, MAX_CHECKPOINT_BYTES } from "../log/checkpoint_format.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import {
  decodeConfirm,
  decodeJoinerInfo,
  encodeRefusal,
  encodeStateChunk,
  encodeStateEnd,
  encodeStatePiece,
  encodeVerdict,
  encodeWelcome,
} from "../protocol/pairing_messages.ts";
import { Home } from "../storage/home_handle.ts";
import { pause } from "../deadline.ts";
import { admit, checkJoiner, refusalNote } from "./pairing_admit.ts";
import { confirmBoth, openVerified } from "./pairing_common.ts";
import { type InviteOptions, type InviteResult, MAX_ATTEMPTS } from "./pairing_invite_types.ts";
import type { Opened } from "./pairing_opening.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";

/**
 * Test knob: the most a single checkpoint may hold here (bytes), and the size
 * of each part past it, so a test pairs through parts without 64 MiB of state.
 */
export const PART_KNOB = "MYCEL_TEST_CHECKPOINT_BYTES";

/** Test knob: a pause (ms) after each part made to hash it, standing in for a slow device. */
export const PART_PAUSE_KNOB = "MYCEL_TEST_PART_PAUSE_MS";

/** Send `bytes` in chunks of at most 1 MiB, the last marked. */
async function sendChunks(
  channel: SecureChannel,
  bytes: Uint8Array,
  encode: (chunk: Uint8Array, last: boolean) => Uint8Array,
): Promise<void> {
  for (let at = 0;; at += 1 << 20) {
    const last = at + (1 << 20) >= bytes.length;
    await channel.send(encode(bytes.subarray(at, at + (1 << 20)), last));
    if (last) break;
  }
}

/** Sends the state made ready by {@link prepareState}; returns the bytes sent. */
type StateSender = (channel: SecureChannel) => Promise<number>;

/**
 * Make the mesh's state ready to send: one checkpoint when it fits one (what
 * every release reads), else the signed head of a checkpoint in parts
 * (src/log/checkpoint_parts.ts), whose parts are made again as they are
 * sent so no more than a part is held. A state whose estimate is past one
 * checkpoint's bounds goes in parts at once: trying one first held up to
 * 64 MiB of rows for nothing.
 *
 * It is made before this side's yes to the verification question is sent
 * (see {@link attempt}): hashing every part before the head can be signed
 * took past the joiner's 15 s read deadline for a 273 MB state on a loaded
 * machine, and the joiner waits minutes for that yes but only 15 s for each
 * message after it. Saying "still at work" instead (`state-wait`) lost every
 * joiner of the release before it, which refuses that message.
 */
async function prepareState(home: Home, o: InviteOptions): Promise<StateSender> {
  const knob = Number(o.env(PART_KNOB) ?? "") || undefined;
  const estimate = await home.checkpointEstimate();
  const plainlyLarger = estimate.bytes > (knob ?? MAX_CHECKPOINT_BYTES) ||
    estimate.items > CHECKPOINT_LIMITS.maxNodes;
  let cp: Uint8Array | undefined;
  try {
    // Made a step at a time (Home.wholeCheckpoint): the same bytes, but
    // Ctrl-C stops it at the next step and the joiner's hang-up is heard.
    if (!plainlyLarger) cp = await home.wholeCheckpoint({ signal: o.signal });
    if (knob !== undefined && cp !== undefined && cp.length > knob) cp = undefined;
  } catch (e) {
    if (!isMycelError(e, "checkpoint_too_large")) throw e;
  }
  if (cp !== undefined) {
    const whole = cp;
    return async (channel) => {
      await sendChunks(channel, whole, (c, last) => encodeStateChunk(c, last));
      return whole.length;
    };
  }
  const slowed = Number(o.env(PART_PAUSE_KNOB) ?? "") || 0;
  const parted = await home.partedCheckpoint(
    knob,
    slowed > 0 ? () => pause(slowed) : undefined,
  );
  return async (channel) => {
    o.log(
      `sending the mesh's state in ${parted.count} parts (${parted.bytes} bytes): ` +
        (plainlyLarger
          ? `its estimate (${estimate.bytes} bytes, ${estimate.items} items) is past one checkpoint's bounds`
          : "it did not fit one checkpoint"),
    );
    await sendChunks(channel, parted.head, (c, last) => encodeStatePiece("state-head", c, last));
    for (const part of parted.parts()) {
      await sendChunks(channel, part, (c, last) => encodeStatePiece("state-part", c, last));
    }
    await channel.send(encodeStateEnd());
    return parted.head.length + parted.bytes;
  };
}

/** How long the joiner may take for each message after its first Noise one (ms). */
const READ_MS = 15_000;

/**
 * One attempt, from a joiner's first Noise message on (pairing_opening.ts
 * answered its CPace share): "wrong" (a wrong code), "failed" (anything
 * else), or the pairing. The home is opened for writing only once the code
 * matched (our Noise keys were read before, once: pairing_inviter.ts).
 * `spent` is called once the joiner is admitted: the code can pair no one
 * else, so the inviter stops accepting (frees the port) there.
 */
export async function attempt(
  root: string,
  opened: Opened,
  o: InviteOptions,
  failures: () => number,
  spent: () => void = () => {},
): Promise<InviteResult | "wrong" | "failed"> {
  const { conn, hello, hs, m0 } = opened;
  const { frames } = conn;
  let home: Home | undefined;
  let admittedRecord: DeviceRecord | undefined;
  try {
    try {
      // The code's key is mixed in at the end of this message: a wrong code
      // fails here, before our static key is sent.
      await hs.readMessage(m0);
    } catch (e) {
      if (!isMycelError(e, "noise_decrypt")) throw e;
      const left = MAX_ATTEMPTS - failures() - 1;
      const message = left > 0
        ? `code did not match (${left} attempt${left === 1 ? "" : "s"} left)`
        : "code did not match; too many wrong attempts; pairing cancelled";
      // Where from: the owner can tell a guess from across the network from its own device.
      o.log(
        `a device at ${conn.remote} tried a wrong code (${left} ${
          left === 1 ? "attempt" : "attempts"
        } left)`,
      );
      // The guess counts whether or not the guesser is still there to be
      // told: one that reset the connection once its message was out was
      // "failed" here, and guessed again for free.
      await frames.writeFrame(
        encodeRefusal({ code: left > 0 ? "wrong_code" : "cancelled", message }),
      ).catch(() => {});
      return "wrong";
    }
    home = await Home.open(root, { write: true, now: o.now, env: o.env, signal: o.signal });
    await frames.writeFrame(await hs.writeMessage());
    const m2 = await frames.readFrame(READ_MS);
    if (m2 === null) return "failed";
    const joiner = decodeJoinerInfo(await hs.readMessage(m2));
    const refusal = await checkJoiner(home, joiner, hs.remoteStatic!, hello.sid);
    await frames.writeFrame(encodeVerdict(refusal));
    if (refusal) {
      o.log(refusalNote(home, joiner, refusal, conn.remote));
      return "failed";
    }
    const { channel, verification, inbox } = openVerified(frames, hs, o.log);
    // Once both said yes, and before our yes goes: the admission, and the
    // state made ready to send (prepareState says why).
    let sendState: StateSender | undefined;
    let sent: Record<string, number> = {};
    let admitted: Awaited<ReturnType<typeof admit>> | undefined;
    const agreed = await confirmBoth(
      inbox,
      (dropped) => o.confirm(verification, dropped),
      READ_MS * 20,
      async () => {
        if (o.signal.aborted) return;
        admitted = await admit(home!, joiner.record, o);
        admittedRecord = admitted.record;
        spent();
        // What the state sent covers (its checkpoint is made from these
        // heads): status counts the new device behind from there.
        sent = Object.fromEntries([...home!.log.heads()].map(([a, h]) => [a.hex, h.seq]));
        // Ctrl-C while it is made stops it there: the attempt ends "stopped" below.
        sendState = await prepareState(home!, o).catch((e) => {
          if (o.signal.aborted) return undefined;
          throw e;
        });
      },
    );
    if (o.signal.aborted && admitted === undefined) {
      return { status: "stopped", message: "the pairing was cancelled here" };
    }
    if (agreed === "peer_gone") {
      return {
        status: "failed",
        message: "the other device hung up before the verification string was confirmed",
      };
    }
    if (agreed !== "yes") {
      o.log(agreed === "no" ? "pairing declined here" : "pairing declined on the other device");
      return { status: "declined", message: "the verification string was not confirmed" };
    }
    if (admitted === undefined || sendState === undefined) {
      return { status: "stopped", message: "the pairing was cancelled here" };
    }
    const { record, bytes } = admitted;
    const self = home.view.member(home.device)!.record;
    await channel.send(
      encodeWelcome({ admission: bytes, mesh: home.meshId, inviter: self }),
    );
    const sentBytes = await sendState(channel);
    // The joiner answers once it has stored the state: only then is it paired.
    const done = await inbox.next(READ_MS * 4);
    if (done === null || !decodeConfirm(done)) {
      throw new MycelError(
        "pairing_failed",
        "admit device",
        "the new device did not store the mesh's state",
      );
    }
    channel.close();
    await home.write((w) =>
      w.peer(record.key, (b) => {
        b.lastSeen = b.lastSync = o.now();
        b.address = conn.remote;
        b.path = "pairing";
        b.pairingHeads = sent;
      })
    );
    return { status: "paired", device: record, verification, sentBytes };
  } catch (e) {
    o.log(`pairing attempt from ${conn.remote} failed: ${(e as Error).message}`);
    // Past the admission the code is spent: the device is in the mesh's log
    // for good, and a second joiner on the same code would make two.
    if (admittedRecord !== undefined) {
      return {
        status: "unconfirmed",
        device: admittedRecord,
        message: `${admittedRecord.name} was admitted but never confirmed it stored the ` +
          `mesh's state (${(e as Error).message})`,
      };
    }
    return "failed";
  } finally {
    home?.close();
    conn.done();
  }
}
