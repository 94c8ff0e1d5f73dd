/**
 * @module pairing_common
 * What both sides of pairing share: the CPace channel id, the Noise pattern
 * and prologue (which binds the handshake to the CPace run — its session id
 * and both shares — so the two cannot be spliced apart), and the exchange of
 * confirmations that both people saw the same verification string.
 *
 * `Noise_XXpsk1`: the CPace key is mixed in at the end of the first message,
 * so the second message (the inviter's static key) is readable only by
 * someone who knows the code, and the third (the joiner's) likewise.
 */

import { concatBytes, utf8 } from "../bytes.ts";
import { isMycelError, MycelError } from "../errors.ts";
import { duration } from "../human.ts";
import type { Handshake } from "../crypto/noise.ts";
import {
  decodeConfirm,
  encodeConfirm,
  PAIRING_PROLOGUE,
  verificationString,
} from "../protocol/pairing_messages.ts";
import type { FrameConn } from "../transport/frame_conn.ts";
import { SecureChannel } from "../transport/secure_channel.ts";
import { withDeadline } from "../deadline.ts";

/** The Noise protocol of pairing. */
export const PAIRING_NOISE = "Noise_XXpsk1_25519_AESGCM_SHA256";

/** CPace channel identifier. */
export function pairingChannelId(): Uint8Array {
  return utf8("mycel/pair/v2");
}

/** Noise prologue: protocol label, CPace sid, joiner's share, inviter's share. */
export function pairingPrologue(
  sid: Uint8Array,
  joinerShare: Uint8Array,
  inviterShare: Uint8Array,
): Uint8Array {
  return concatBytes(PAIRING_PROLOGUE, sid, joinerShare, inviterShare);
}

/**
 * The pairing channel's incoming messages, where the next read may start
 * before anything is due: to hear the other side hang up while this side's
 * question is open (see {@link confirmBoth}). The next {@link next} takes
 * that read, within its own deadline.
 */
export class Inbox {
  #early?: Promise<Uint8Array | null>;

  constructor(readonly channel: SecureChannel) {}

  /** The next message within `timeoutMs` of now; null when the peer hung up. */
  next(timeoutMs: number): Promise<Uint8Array | null> {
    const early = this.#early;
    this.#early = undefined;
    if (early === undefined) return this.channel.receive(timeoutMs);
    return withDeadline(early, timeoutMs, "receive message", () => this.channel.close());
  }

  /** Start reading the next message now; settles when one comes, or the peer is gone. */
  early(timeoutMs: number): Promise<unknown> {
    if (this.#early === undefined) {
      this.#early = this.channel.receive(timeoutMs);
      this.#early.catch(() => {}); // a failure read by nobody (this side declined) is no crash
    }
    return this.#early;
  }
}

/**
 * The channel a completed pairing handshake opens, with the verification
 * string both screens show (said through `log` here; the other side says
 * the same) and the inbox {@link confirmBoth} hears the other side on.
 */
export function openVerified(
  frames: FrameConn,
  hs: Handshake,
  log: (line: string) => void,
): { channel: SecureChannel; verification: string; inbox: Inbox } {
  const channel = SecureChannel.fromHandshake(frames, hs);
  const verification = verificationString(channel.handshakeHash);
  log(`verification: ${verification} (the other screen shows the same)`);
  return { channel, verification, inbox: new Inbox(channel) };
}

/** How the exchange of confirmations ended (see {@link confirmBoth}). */
export type Confirmed = "yes" | "no" | "peer_no" | "peer_gone";

/**
 * Ask here and hear the other side at once, ending as soon as the outcome is
 * known: "yes" when both confirmed, "no" when this side declined, "peer_no"
 * when the other did, "peer_gone" when it hung up (or went silent) before
 * this side answered, even after it answered yes (nothing else is due from
 * it then). A question still open when the other side ends the exchange is
 * dropped (`ask`'s signal fires): left open on a terminal it would take the
 * next line typed, and a yes to it would admit a device that is gone. A
 * hang-up after this side answered throws.
 *
 * With `beforeYes` (the inviter), this side's yes is sent only once the
 * other side's yes came and `beforeYes` is done: the inviter admits the
 * device and makes the state ready there, while the joiner waits for that
 * yes under the question's deadline (minutes), not a message's (15 s).
 */
export async function confirmBoth(
  inbox: Inbox,
  ask: (dropped: AbortSignal) => Promise<boolean>,
  timeoutMs: number,
  beforeYes?: () => Promise<void>,
): Promise<Confirmed> {
  const drop = new AbortController();
  let mine: boolean | undefined;
  let answered = () => {};
  const answer = new Promise<void>((resolve) => answered = resolve);
  const theirs = inbox.next(timeoutMs).then((raw) => {
    if (raw === null) throw new MycelError("pairing_failed", "pair", "the other device hung up");
    return decodeConfirm(raw);
  }, (e) => {
    // Silence now is the other side's question left open, not the network:
    // the handshake just went through.
    if (!isMycelError(e, "timeout")) throw e;
    throw new MycelError(
      "pairing_timeout",
      "pair",
      `the other device did not answer the verification question within ${duration(timeoutMs)}`,
      { hint: "Run `mycel pair` again on both devices and answer the question on both screens." },
    );
  });
  const ours = ask(drop.signal).then(async (yes) => {
    if (drop.signal.aborted) return;
    mine = yes;
    answered();
    if (yes && beforeYes !== undefined) {
      // Their no or hang-up is the outcome, read below: nothing to send.
      if ((await theirs.catch(() => false)) !== true) return;
      await beforeYes();
    }
    await inbox.channel.send(encodeConfirm(yes));
  });
  const settled = (p: Promise<unknown>) => p.then(() => true, () => true);
  const first = await Promise.race([
    ours.then(() => "ours" as const),
    settled(theirs).then(() => "theirs" as const),
  ]);
  if (first === "ours" && !mine) {
    theirs.catch(() => {}); // our "no" is sent: theirs no longer matters
    return "no";
  }
  if (first === "theirs" && mine === undefined) {
    const peer = await theirs.catch(() => undefined);
    // Their yes: whatever comes next before ours (a hang-up) ends it too.
    const gone = peer === true &&
      await Promise.race([
        // Answered here: what beforeYes does after it is not given up.
        answer.then(() => false),
        ours.then(() => false),
        settled(inbox.early(timeoutMs)),
      ]);
    if (peer !== true || gone) {
      drop.abort();
      ours.catch(() => {});
      return peer === false ? "peer_no" : "peer_gone";
    }
  }
  const [, peer] = await Promise.all([ours, theirs]);
  return !mine ? "no" : !peer ? "peer_no" : "yes";
}
