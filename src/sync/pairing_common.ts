/**
 * @module pairing_common
 * Values both sides of pairing must compute identically: the CPace channel
 * id and the Noise prologue, which binds the handshake to the CPace run (its
 * session id and both shares) so the two cannot be spliced apart.
 */

import { concatBytes, utf8 } from "../bytes.ts";
import { PAIRING_PROLOGUE } from "../protocol/pairing_messages.ts";

/** CPace channel identifier. */
export function pairingChannelId(): Uint8Array {
  return utf8("mycel/pair/v1");
}

/** Noise prologue: protocol label, CPace sid, joiner's share, inviter's share. */
export function pairingPrologue(
  sid: Uint8Array,
  joinerShare: Uint8Array,
  inviterShare: Uint8Array,
): Uint8Array {
  return concatBytes(PAIRING_PROLOGUE, sid, joinerShare, inviterShare);
}
