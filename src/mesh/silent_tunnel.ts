/**
 * @module silent_tunnel
 * When a tunnel with a live handshake counts as dead for NAT traversal
 * hints (roaming.ts). A handshake under 3 minutes old is no proof the peer
 * is still there: WireGuard renews it every 2 minutes at most, and when a
 * laptop moves behind another NAT both ends keep sending to stale NAT
 * mappings until the handshake is 3 minutes old. Meanwhile another member
 * (the server both reach) already sees where the laptop is now, but a live
 * tunnel ignored its hint, so the direct tunnel stayed dead for ~3 minutes.
 *
 * The evidence is this device's own, never a member's word: its round's
 * connect to the peer's mesh address timed out (nothing came back through
 * the tunnel, not even a refusal), after the last handshake, in the last
 * {@link SILENT_FRESH_S}, and not later than now: after the wall clock stepped
 * back, a time ahead of it would stay "after the last handshake" and "fresh"
 * until the clock caught up again (an hour back: hints steered a live tunnel
 * for an hour). No other member can produce it: only the peer, or
 * the network between, can leave our packets unanswered (routes.ts dials
 * the address only where the peer's own tunnel carries it), and either can take
 * the tunnel down anyway. Acting on it only lets a hint make its bounded
 * attempt (hint_attempts.ts) up to 3 minutes sooner; and if the peer was
 * there after all, its next packet moves WireGuard's endpoint back and the
 * next apply keeps that (a handshake or a later round ends the silence).
 * Pure.
 */

import type { WgDumpPeer } from "./wg_dump.ts";

/**
 * How long (s) a timed-out connect through a tunnel counts: the apply right
 * after that round, and any other in the minute after it.
 */
export const SILENT_FRESH_S = 60;

/**
 * How far (ms) `silentAt` may lie past `nowS`: the round writes it in ms,
 * the apply right after it may read the clock in whole seconds.
 */
const SILENT_AHEAD_MS = 1000;

/**
 * True when `peer`'s tunnel is silent by this device's own evidence: a
 * connect through it timed out at `silentAt` (ms), after its last handshake
 * and at most {@link SILENT_FRESH_S} before `nowS`.
 */
export function isSilent(
  peer: WgDumpPeer | undefined,
  silentAt: number | undefined,
  nowS: number,
): boolean {
  if (peer?.latestHandshake == null || silentAt === undefined) return false;
  const ago = nowS * 1000 - silentAt;
  return silentAt > peer.latestHandshake * 1000 && ago <= SILENT_FRESH_S * 1000 &&
    ago >= -SILENT_AHEAD_MS;
}
