/**
 * @module round_peers
 * Which peers a round (round.ts) dials. In a small mesh every peer; in a
 * large one, every peer that lacks our own new entries, a few of those that
 * lack entries we relay, and one more at random (so an idle round costs O(1)
 * per device and news still reaches everyone in a few rounds) — and never
 * more than {@link MAX_ROUND_PEERS}, those seen lately first: a member may
 * admit any number of made-up devices, each listing endpoints of its
 * choosing, and they must not make every round of every device dial them
 * all. `--all` dials every peer.
 */

import type { MemberInfo } from "../log/state.ts";
import type { Home } from "../storage/home_handle.ts";

/** Meshes up to this size sync with every peer each round. */
export const SMALL_MESH = 8;
/**
 * Most peers a round dials (without `--all`). A member may admit any
 * number of devices, each with 16 endpoints of its choosing that nobody
 * answers at: without a bound every round of every device dialled all of
 * them (1,000 minted devices: over 4,600 connections to one third party
 * from one round). Peers seen most recently come first; see {@link capPeers}.
 */
export const MAX_ROUND_PEERS = 16;
/** Of {@link MAX_ROUND_PEERS}, the places drawn at random among the rest (none is left out for good). */
export const RANDOM_ROUND_PEERS = 4;

function shuffle<T>(list: T[], random: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** The peers of this round (see the module header). */
export function choosePeers(
  home: Home,
  peers: MemberInfo[],
  o: { all?: boolean; random?: () => number },
): MemberInfo[] {
  if (o.all || peers.length <= SMALL_MESH) return peers;
  const random = o.random ?? Math.random;
  const heads = home.log.heads();
  const books = home.local.peers();
  const own = heads.get(home.device)?.seq ?? 0;
  const lacksOwn: MemberInfo[] = [], lacksOther: MemberInfo[] = [], rest: MemberInfo[] = [];
  for (const p of peers) {
    const known = books.get(p.record.key)?.heads ?? {};
    if ((known[home.device.hex] ?? 0) < own) lacksOwn.push(p);
    else if ([...heads].some(([a, h]) => (known[a.hex] ?? 0) < h.seq)) lacksOther.push(p);
    else rest.push(p);
  }
  return capPeers(
    [
      ...lacksOwn,
      ...shuffle(lacksOther, random).slice(0, 2),
      ...shuffle(rest, random).slice(0, 1),
    ],
    home,
    random,
  );
}

/**
 * At most {@link MAX_ROUND_PEERS} of `peers`: the ones a live session was
 * last seen with most recently, then {@link RANDOM_ROUND_PEERS} drawn at
 * random from the others (a device admitted lately, or one away for long,
 * is still dialled within a few rounds, and calls us itself meanwhile).
 * Devices a member minted never prove themselves in a session unless it
 * runs them, so they cannot push the owner's active devices out.
 */
export function capPeers(
  peers: MemberInfo[],
  home: Home,
  random: () => number = Math.random,
): MemberInfo[] {
  if (peers.length <= MAX_ROUND_PEERS) return peers;
  const books = home.local.peers();
  const seen = (p: MemberInfo) => books.get(p.record.key)?.lastSeen ?? 0;
  const ranked = shuffle([...peers], random).sort((a, b) => seen(b) - seen(a));
  const first = MAX_ROUND_PEERS - RANDOM_ROUND_PEERS;
  return [
    ...ranked.slice(0, first),
    ...shuffle(ranked.slice(first), random).slice(0, RANDOM_ROUND_PEERS),
  ];
}
