/**
 * @module hint_tries
 * This device's memory of the NAT traversal hints it acted on, per peer
 * (src/mesh/hint_attempts.ts decides what it allows): which endpoint the
 * last attempt tried, who told it, when the attempt began and how many were
 * made since a handshake last proved a path. Without it every apply would
 * act on a fresh hint again, and a member that keeps sending one would pin
 * the tunnel there. Local, never replicated: one `local` record
 * (`hintTries`, sql_local.ts), written by the apply that acted, dropped for
 * a peer once its tunnel is live again, or when it is old (hint_attempts.ts).
 */

import type { LocalView } from "./sql_local.ts";

/** The last hint attempt for one peer. */
export interface HintTry {
  /** The endpoint tried (`host:port`). */
  endpoint: string;
  /** Who told it (device key hex), or "". */
  via: string;
  /** When (ms) the attempt began. */
  since: number;
  /** Attempts since the last handshake, this one included. */
  tries: number;
}

/** Peer key hex → its last hint attempt. */
export type HintTries = Record<string, HintTry>;

/** The attempts this home remembers. */
export function hintTriesOf(local: LocalView): HintTries {
  return local.get("hintTries") ?? {};
}

/**
 * `current` with each peer of `updates` set to its attempt (or forgotten:
 * undefined), and every record whose attempt began more than `forgetMs`
 * ago dropped; undefined when nothing is left (the record is then removed).
 */
export function nextHintTries(
  current: HintTries,
  updates: Iterable<readonly [string, HintTry | undefined]>,
  nowMs: number,
  forgetMs: number,
): HintTries | undefined {
  const out: HintTries = { ...current };
  for (const [peer, t] of updates) {
    if (t === undefined) delete out[peer];
    else out[peer] = t;
  }
  for (const [peer, t] of Object.entries(out)) {
    if (nowMs - t.since > forgetMs) delete out[peer];
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** True when `a` and `b` hold the same attempts (so an apply need not write). */
export function sameHintTries(a: HintTries | undefined, b: HintTries | undefined): boolean {
  return JSON.stringify(sorted(a ?? {})) === JSON.stringify(sorted(b ?? {}));
}

function sorted(t: HintTries): [string, HintTry][] {
  return Object.entries(t).sort((x, y) => (x[0] < y[0] ? -1 : 1)).map((
    [k, v],
  ) => [k, { endpoint: v.endpoint, via: v.via, since: v.since, tries: v.tries }]);
}
