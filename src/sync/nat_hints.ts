/**
 * @module nat_hints
 * NAT traversal through the user's own devices. A device whose WireGuard
 * sees other members' tunnels (a home server with a public address: each
 * NATed device keeps a tunnel to it, and WireGuard records the address and
 * port its packets come from, the NAT's mapping) tells every peer it syncs
 * with where it sees the others (`hi`'s `seen`, from the endpoints its
 * last applies found live: `PeerBook.wgEndpoints`). The receiver notes it
 * (`PeerBook.wgHint`) and its next apply points its own tunnel there; the
 * other device does the same with ours, so both send at once and both NATs
 * let the other's packets in. Only members' tunnels are told, only to
 * members (inside Noise), and only endpoints seen alive within the last
 * three minutes.
 *
 * A hint is a member's word, and a stolen member may lie: one that points
 * at an address no NAT maps a peer to (loopback, link-local, the mesh's own
 * ranges, a private address the peer is not known at) is not noted
 * (src/mesh/hint_address.ts), and what is noted steers the tunnel only for
 * a bounded attempt or three (src/mesh/hint_attempts.ts).
 */

import type { DeviceKey } from "../log/device_key.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { formatIpv6, parseIpv6 } from "../ip.ts";
import { hintRefusal } from "../mesh/hint_address.ts";
import { LIVE_HANDSHAKE_S } from "../mesh/roaming.ts";
import type { PeerBook } from "../storage/local_state.ts";
import { ABILITIES_KEY, MAX_SEEN, type SeenEndpoint } from "../protocol/sync_messages.ts";
import type { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";

/** A hint older than this (ms) is not acted on. */
export const HINT_FRESH_MS = LIVE_HANDSHAKE_S * 1000;

/** What we tell `peer`: where our WireGuard saw each other member alive lately. */
export function seenFor(home: Home, peer: DeviceKey, now: number): SeenEndpoint[] {
  const out: SeenEndpoint[] = [];
  const books = home.local.peers();
  for (const m of home.view.members()) {
    const key = m.record.key;
    if (m.removed !== undefined || key === home.device || key === peer) continue;
    // A member may admit a device under the abilities' key (any 32 bytes
    // admit one): listed, its item would be read as our abilities, and the
    // encoder refuses it, so no hi of ours would go out.
    if (key === ABILITIES_KEY) continue;
    const newest = Object.entries(books.get(key)?.wgEndpoints ?? {})
      .filter(([, at]) => now - at <= HINT_FRESH_MS)
      .sort((a, b) => b[1] - a[1])[0];
    if (newest) out.push({ device: key, endpoint: newest[0] });
    // One item of `seen` carries our abilities (sync_messages.ts ABILITIES_KEY).
    if (out.length === MAX_SEEN - 1) break;
  }
  return out;
}

/** An IP literal host in the form hints use (IPv6 canonical), or a name as is. */
function hostOf(endpoint: string): string | undefined {
  try {
    const host = parseEndpoint(endpoint).host.split("%")[0];
    return host.includes(":") ? formatIpv6(parseIpv6(host)) : host;
  } catch {
    return undefined;
  }
}

/** Hosts `peer` is known at: its record, and where sessions and handshakes reached it. */
function knownHosts(recorded: readonly string[], book: PeerBook): Set<string> {
  const all = [
    ...recorded,
    ...Object.keys(book.wgEndpoints ?? {}),
    ...Object.keys(book.reachAt ?? {}),
    ...(book.address ? [book.address] : []),
  ];
  return new Set(all.map(hostOf).filter((h) => h !== undefined));
}

/** Note what `from` told us about other members (in the round's transaction). */
export function noteSeen(
  home: Home,
  w: HomeWriter,
  from: DeviceKey,
  seen: readonly SeenEndpoint[],
  now: number,
): void {
  for (const s of seen) {
    if (s.device === home.device || s.device === from) continue;
    const m = home.view.member(s.device);
    if (m === undefined || m.removed !== undefined) continue;
    const ctx = {
      meshId: home.meshId,
      knownHosts: knownHosts(m.record.endpoints, home.local.peer(s.device)),
    };
    if (hintRefusal(s.endpoint, ctx) !== undefined) continue;
    w.peer(s.device, (b) => b.wgHint = { endpoint: s.endpoint, at: now, via: from.hex });
  }
}
