/**
 * @module cpace
 * CPace, the balanced PAKE of draft-irtf-cfrg-cpace, as mycel's pairing uses
 * it: both devices know the one-time secret from the pairing code, each sends
 * one key share, and both derive the same intermediate session key (ISK) only
 * if their secrets match. An attacker in the middle gets one online guess per
 * run and nothing to test offline. The default suite is CPACE-X25519-SHA512.
 *
 * ```ts
 * const a = cpaceStart({ password, role: "initiator", sid, ad: adA });
 * const b = cpaceStart({ password, role: "responder", sid, ad: adB });
 * const { isk } = a.finish(b.message, adB); // equals b.finish(a.message, adA).isk
 * ```
 *
 * The password never appears in an error message.
 */

import { bytesEqual, concatBytes, utf8, wipe } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import {
  type CpaceGroup,
  lvCat,
  oCat,
  type RandomBytes,
  systemRandomBytes,
} from "./cpace_common.ts";
import { CPACE_X25519 } from "./cpace_x25519.ts";

export type { CpaceGroup, RandomBytes } from "./cpace_common.ts";
export { CPACE_X25519 } from "./cpace_x25519.ts";
export { CPACE_RISTRETTO255 } from "./cpace_ristretto.ts";

/**
 * Who a party is. "initiator"/"responder" select the draft's
 * initiator-responder transcript (ISK_IR); "symmetric" selects the ordered
 * transcript (ISK_SY) for when neither side is naturally first.
 */
export type CpaceRole = "initiator" | "responder" | "symmetric";

/** Inputs to {@link cpaceStart}. */
export interface CpaceStartOptions {
  /** The shared low-entropy secret (the draft's PRS); strings are UTF-8. */
  password: Uint8Array | string;
  /** This party's role; both sides must agree on the mode. */
  role: CpaceRole;
  /** Channel identifier (CI), e.g. both parties' names; empty by default. */
  channelId?: Uint8Array;
  /** Session identifier both sides know in advance; empty by default. */
  sid?: Uint8Array;
  /** Associated data sent in clear beside the share (ADa / ADb). */
  ad?: Uint8Array;
  /** The cipher suite; {@link CPACE_X25519} by default. */
  group?: CpaceGroup;
  /** Fixed secret scalar, for reproducing test vectors only. */
  scalar?: Uint8Array;
  /** Randomness for the scalar; the platform CSPRNG by default. */
  randomBytes?: RandomBytes;
}

/** What a finished CPace run yields. */
export interface CpaceOutput {
  /** Intermediate session key: secret, equal on both sides iff the passwords matched. */
  isk: Uint8Array;
  /** The draft's optional public session id (`sid_output`), equal on both sides. */
  sidOutput: Uint8Array;
}

/** One party's CPace run after sending its share. */
export interface CpaceSession {
  /** This party's key share Y, to send to the peer with this party's AD. */
  readonly message: Uint8Array;
  /** The role this session was started with. */
  readonly role: CpaceRole;
  /**
   * Complete the run with the peer's share and AD. Throws
   * `cpace_invalid_message`, `cpace_invalid_point` or `cpace_reflected` on a
   * bad share and `cpace_finished` if called twice.
   */
  finish(peerMessage: Uint8Array, peerAd?: Uint8Array): CpaceOutput;
}

const EMPTY = new Uint8Array(0);

/** Start a CPace run: derive the generator, pick a scalar, compute our share. */
export function cpaceStart(options: CpaceStartOptions): CpaceSession {
  const group = options.group ?? CPACE_X25519;
  const { role } = options;
  if (role !== "initiator" && role !== "responder" && role !== "symmetric") {
    throw new MycelError("cpace_invalid_role", "pair devices", "unknown CPace role", {
      value: String(role),
    });
  }
  const sid = options.sid ?? EMPTY;
  const ad = options.ad ?? EMPTY;
  const prs = typeof options.password === "string" ? utf8(options.password) : options.password;
  const g = group.calculateGenerator(prs, options.channelId ?? EMPTY, sid);
  if (typeof options.password === "string") wipe(prs);
  const y = options.scalar
    ? Uint8Array.from(options.scalar)
    : group.sampleScalar(options.randomBytes ?? systemRandomBytes);
  const message = group.scalarMult(y, g);
  // The generator is password-derived: drop it as soon as it has served.
  wipe(g);
  let done = false;

  return {
    message,
    role,
    finish(peerMessage: Uint8Array, peerAd: Uint8Array = EMPTY): CpaceOutput {
      if (done) {
        throw new MycelError("cpace_finished", "pair devices", "this CPace run already finished");
      }
      if (peerMessage.length !== group.elementBytes) {
        throw new MycelError(
          "cpace_invalid_message",
          "pair devices",
          "the other device's key share has the wrong length",
          { value: `${peerMessage.length} bytes, expected ${group.elementBytes}` },
        );
      }
      // An honest peer never sends our own share back; a reflected one
      // would let an attacker make us talk to ourselves.
      if (bytesEqual(peerMessage, message)) {
        throw new MycelError(
          "cpace_reflected",
          "pair devices",
          "the other device echoed this device's key share",
        );
      }
      done = true;
      try {
        const k = group.scalarMultVfy(y, peerMessage);
        const transcript = role === "symmetric"
          ? oCat(lvCat(message, ad), lvCat(peerMessage, peerAd))
          : role === "initiator"
          ? concatBytes(lvCat(message, ad), lvCat(peerMessage, peerAd))
          : concatBytes(lvCat(peerMessage, peerAd), lvCat(message, ad));
        const iskInput = concatBytes(
          lvCat(concatBytes(group.dsi, utf8("_ISK")), sid, k),
          transcript,
        );
        const isk = group.hash(iskInput);
        wipe(k);
        wipe(iskInput);
        const sidOutput = group.hash(concatBytes(utf8("CPaceSidOutput"), transcript));
        return { isk, sidOutput };
      } finally {
        wipe(y);
      }
    },
  };
}
