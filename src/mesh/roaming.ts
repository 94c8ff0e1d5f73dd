/**
 * @module roaming
 * Which endpoint each WireGuard peer gets when the plan is applied. WireGuard
 * roams by itself: an authenticated packet from a new address moves the
 * peer's endpoint there. So a tunnel with a recent handshake keeps whatever
 * endpoint WireGuard has now — a record signed before the move is older than
 * that handshake and must never overwrite it. Otherwise the candidates (the
 * peer's recorded hosts at its WireGuard port, plus endpoints it was
 * reached at before) are tried in order of last success: `mesh up` (which
 * the timer runs each round with `--mesh`) moves a dead tunnel on to the
 * next candidate after the one that failed; other applies (after a sync
 * round, after `mesh remove`) keep the endpoint in place so one candidate
 * is not cut short twice in a round. A dead tunnel for which another member
 * told us lately where it sees that peer (NAT traversal, src/sync/nat_hints.ts)
 * goes there first, for one attempt of a few minutes (the peer is told ours
 * at the same time, and both sending at once is what lets the packets
 * through both NATs); after it, and between the few attempts a peer gets
 * until a handshake (hint_attempts.ts), the tunnel goes back to our own
 * candidates and is never kept on the hinted endpoint.
 *
 * A live tunnel that this device's own round found silent counts as dead
 * for hints only (silent_tunnel.ts); a member's word alone never moves a
 * live tunnel. Pure.
 */

import { type EndpointHint, type HintAttempt, hintTurn } from "./hint_attempts.ts";
import { isSilent } from "./silent_tunnel.ts";
import type { WgDumpPeer } from "./wg_dump.ts";

/** A tunnel whose last handshake is at most this old (s) is alive. */
export const LIVE_HANDSHAKE_S = 180;
/** How many past endpoints are remembered per peer. */
export const MAX_REMEMBERED = 4;

/** Endpoint (`host:port`) → when (ms) a handshake was last seen through it. */
export type EndpointHistory = Record<string, number>;

/** Why an endpoint was chosen. */
export type EndpointReason = "wireguard" | "told" | "first" | "next" | "kept" | "none";

/** What {@link chooseEndpoint} decided. */
export interface EndpointChoice {
  /** The endpoint to configure; undefined = leave it to the peer to reach us. */
  endpoint?: string;
  /** Why. */
  reason: EndpointReason;
  /** Set when the tunnel is alive: the endpoint and handshake time (ms) to remember. */
  good?: { endpoint: string; at: number };
  /** The peer's hint attempt to keep (undefined: none, e.g. a handshake proved a path). */
  attempt?: HintAttempt;
}

/** True when `peer` had a handshake within {@link LIVE_HANDSHAKE_S} of `nowS`. */
export function isLive(peer: WgDumpPeer | undefined, nowS: number): boolean {
  return peer?.latestHandshake != null && nowS - peer.latestHandshake <= LIVE_HANDSHAKE_S;
}

/** Candidates: remembered endpoints newest first, then recorded ones in record order. */
export function orderCandidates(
  recorded: readonly string[],
  history: EndpointHistory = {},
): string[] {
  const remembered = Object.entries(history).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([e]) => e);
  return [...new Set([...remembered, ...recorded])];
}

/**
 * The endpoint for one peer. `live` is the peer's line in `wg show dump`
 * (undefined when the interface is new or does not list it); `rotate`:
 * move a dead tunnel on to the next candidate (else keep its endpoint);
 * `hint`: where another member says it sees the peer, acted on only as
 * the peer's last hint `attempt` allows (hint_attempts.ts); `silentAt`:
 * when (ms) a connect of this device's own through the tunnel last timed
 * out (see {@link isSilent}).
 */
export function chooseEndpoint(
  recorded: readonly string[],
  history: EndpointHistory | undefined,
  live: WgDumpPeer | undefined,
  nowS: number,
  rotate = true,
  hint?: EndpointHint,
  attempt?: HintAttempt,
  silentAt?: number,
): EndpointChoice {
  // A live tunnel on the endpoint a hint attempt set, with no handshake
  // since the attempt began, is not proven there: it is dead for the rules
  // below, which never keep it on a hinted endpoint once the attempt is over.
  const unproven = live?.endpoint != null && attempt !== undefined &&
    live.endpoint === attempt.endpoint && (live.latestHandshake ?? 0) * 1000 < attempt.since;
  const wireguard = live?.endpoint && isLive(live, nowS) && !unproven
    ? {
      endpoint: live.endpoint,
      reason: "wireguard" as const,
      good: { endpoint: live.endpoint, at: live.latestHandshake! * 1000 },
    }
    : undefined;
  const silent = wireguard !== undefined && isSilent(live, silentAt, nowS);
  if (wireguard && !silent) return wireguard;
  // A live tunnel ends any attempt (a handshake proved a path, as on every
  // live apply): a silent one starts a new attempt, not the last one's end.
  const turn = hintTurn(hint, wireguard ? undefined : attempt, nowS * 1000);
  const kept = turn.attempt === undefined ? {} : { attempt: turn.attempt };
  if (turn.act) return { endpoint: turn.attempt!.endpoint, reason: "told", ...kept };
  // Silent but no hint to act on: WireGuard's endpoint stays (our own
  // candidates rotate only once the handshake is 3 minutes old, as before).
  if (wireguard) return { ...wireguard, ...kept };
  const order = orderCandidates(recorded, history);
  // A dead tunnel left where a hint sent it (its attempt over) goes back to
  // our candidates, even on an apply that keeps others. Another endpoint
  // that is no candidate as written is one of ours as WireGuard shows it (a
  // DNS name resolved, an IPv6 address spelt another way) and is kept.
  const hinted = live?.endpoint != null && !order.includes(live.endpoint) &&
    (live.endpoint === turn.attempt?.endpoint || live.endpoint === hint?.endpoint);
  if (!rotate && live?.endpoint && !hinted) {
    // A dead tunnel keeps its endpoint between rounds, unless something
    // worked since elsewhere: the peer moved and a session just reached it
    // (a success older than a live handshake would be says nothing new about
    // an endpoint that never worked, e.g. a name `mesh up` just moved to).
    const best = order[0];
    const since = Math.max(history?.[live.endpoint] ?? 0, (nowS - LIVE_HANDSHAKE_S) * 1000);
    const newer = best !== undefined && best !== live.endpoint && (history?.[best] ?? 0) > since;
    return newer
      ? { endpoint: best, reason: "first", ...kept }
      : { endpoint: live.endpoint, reason: "kept", ...kept };
  }
  if (order.length === 0) return { reason: "none", ...kept };
  const at = live?.endpoint ? order.indexOf(live.endpoint) : -1;
  if (at < 0) return { endpoint: order[0], reason: "first", ...kept };
  return { endpoint: order[(at + 1) % order.length], reason: "next", ...kept };
}

/** `history` with `endpoint` seen at `at`, keeping the {@link MAX_REMEMBERED} newest. */
export function remember(
  history: EndpointHistory | undefined,
  endpoint: string,
  at: number,
): EndpointHistory {
  const all = { ...history ?? {}, [endpoint]: Math.max(at, history?.[endpoint] ?? 0) };
  return Object.fromEntries(
    Object.entries(all).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(
      0,
      MAX_REMEMBERED,
    ),
  );
}
