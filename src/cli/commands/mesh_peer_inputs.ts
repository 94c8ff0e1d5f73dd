/**
 * @module mesh_peer_inputs
 * What an apply of the mesh plan (mesh_apply.ts) knows about each planned
 * peer, by device id, for roaming.ts to choose its endpoint: where its
 * tunnel worked before and where sync sessions just reached it (a laptop
 * that moved is first looked for where sync found it), where another member
 * lately saw it (a NAT traversal hint), the hint attempts already made
 * for it (hint_attempts.ts: how often hints may steer it), and when this
 * device's round last got nothing back through its tunnel (silent_tunnel.ts).
 */

import type { DeviceKey } from "../../log/device_key.ts";
import { formatEndpoint, parseEndpoint } from "../../log/endpoint.ts";
import type { EndpointHint, HintAttempt } from "../../mesh/hint_attempts.ts";
import type { EndpointHistory } from "../../mesh/roaming.ts";
import type { Home } from "../../storage/home_handle.ts";
import { type HintTries, hintTriesOf } from "../../storage/hint_tries.ts";
import type { PeerBook } from "../../storage/local_state.ts";

/**
 * A peer's WireGuard history plus, for each host a sync session reached it
 * at directly (`reachAt`), that host at its WireGuard port, as of then: a
 * laptop that moved is first looked for where sync just found it.
 */
export function withReached(book: PeerBook, wgPort: number): EndpointHistory | undefined {
  const out: EndpointHistory = { ...book.wgEndpoints ?? {} };
  if (wgPort > 0) {
    for (const [e, at] of Object.entries(book.reachAt ?? {})) {
      let host;
      try {
        host = parseEndpoint(e).host;
      } catch {
        continue;
      }
      const wg = formatEndpoint({ host, port: wgPort });
      out[wg] = Math.max(out[wg] ?? 0, at);
    }
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Each planned peer's inputs, by device id (undefined for a device not in the view). */
export interface PeerInputs {
  /** Device id → its key. */
  keyOf: Map<string, DeviceKey>;
  /** The hint attempts as read before the apply (what its write starts from). */
  tries: HintTries;
  /** Endpoints the peer was reached at before, and when (ms). */
  history: (id: string) => EndpointHistory | undefined;
  /** Where another member lately saw the peer's tunnel. */
  hint: (id: string) => EndpointHint | undefined;
  /** The peer's last hint attempt. */
  attempt: (id: string) => HintAttempt | undefined;
  /** When (ms) our round last got nothing back through the peer's tunnel. */
  silentAt: (id: string) => number | undefined;
}

/** What `home` knows about each member, for one apply. */
export function peerInputs(home: Home): PeerInputs {
  const members = home.view.members();
  const keyOf = new Map<string, DeviceKey>(members.map((m) => [m.record.id, m.record.key]));
  const wgPortOf = new Map(members.map((m) => [m.record.id, m.record.wgPort]));
  const book = (id: string) => {
    const key = keyOf.get(id);
    return key === undefined ? undefined : home.local.peer(key);
  };
  // Hints steer a dead tunnel only as often as their past attempts allow.
  const tries = hintTriesOf(home.local);
  return {
    keyOf,
    tries,
    history: (id) => {
      const b = book(id);
      return b === undefined ? undefined : withReached(b, wgPortOf.get(id) ?? 0);
    },
    hint: (id) => book(id)?.wgHint,
    attempt: (id) => {
      const key = keyOf.get(id);
      return key === undefined ? undefined : tries[key.hex];
    },
    silentAt: (id) => book(id)?.tunnelSilentAt,
  };
}
