/**
 * @module bookkeeping
 * What a device notes about a peer after a session (local, not replicated):
 * when it last proved itself and last synced, counts, the last error, the
 * peer's heads as far as we know them (what it reported, and what it took
 * from us in a clean session: a lower bound of what it holds, which
 * compaction relies on), how far its clock is from ours, and where it was
 * reached. Only a
 * session in which the peer proved it is alive changes any of this — except
 * that a dial of ours that never reached it notes why (its last error): that
 * is our own observation, not something the peer claimed. The responder
 * never records a caller that did not prove itself.
 *
 * Finding peers again: a synced session remembers where it worked
 * (`reachAt`: the address we dialled, or, on the responder's side, the
 * caller's source address at the port its `hi` says it accepts sync on),
 * which the next round tries first; what the peer said about other
 * members' WireGuard endpoints (nat_hints.ts); and, for each author the
 * peer brought us newer entries of, that they came relayed through it.
 */

import type { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { acksAfter } from "./acks.ts";
import type { SessionOutcome } from "./peer_session_types.ts";
import { isInCgnat } from "../mesh/addresses.ts";
import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import { noteSeen } from "./nat_hints.ts";

/** Endpoints remembered per peer in `reachAt`. */
const MAX_REACH = 4;

/**
 * Where a synced session says the peer can be reached, if anywhere new.
 * `ownPorts`: the ports this device's record says it accepts sync on.
 */
function reachableAt(
  o: SessionOutcome,
  dialled: boolean,
  ownPorts: ReadonlySet<number>,
): string | undefined {
  if (!o.address || o.path === "mesh") return undefined;
  let at;
  try {
    at = parseEndpoint(o.address);
  } catch {
    return undefined; // "stdio" and the like: no address known
  }
  // Through the tunnel (a mesh address) is no endpoint of the peer's.
  if (isInCgnat(at.host) || at.host.includes("%")) return undefined;
  if (dialled) return formatEndpoint(at);
  const port = o.exchange?.peer.ports[0];
  if (port === undefined) return undefined;
  // A caller on this machine (a loopback source) at one of our own ports is
  // us: it says the port it advertises (7850 when it listens nowhere), and
  // there our own listener answers. Remembered, every round dialled it
  // first, and our socket-activated server started twice per round to
  // refuse our own handshake (once more for the older suite).
  if (isLoopback(at.host) && ownPorts.has(port)) return undefined;
  return formatEndpoint({ host: at.host, port });
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x: this machine. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return /^(::ffff:)?127\./.test(h) || h === "::1";
}

function remember(list: Record<string, number> | undefined, e: string, at: number) {
  const all = Object.entries({ ...list ?? {}, [e]: at }).sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(all.slice(0, MAX_REACH));
}

/**
 * Note endpoints the peer itself signed (its card, `mesh add-peer` of a
 * device already admitted) as where to try it first: only this device's
 * dialling changes, never the peer's record, which changes only through its
 * own entries. A session that works elsewhere puts that address first again.
 */
export function rememberEndpoints(
  w: HomeWriter,
  peer: DeviceKey,
  endpoints: readonly string[],
  now: number,
): void {
  w.peer(peer, (book) => {
    // The card's first endpoint ends newest (tried first).
    [...endpoints].reverse().forEach((e, i) => {
      book.reachAt = remember(book.reachAt, e, now + i);
    });
  });
}

/**
 * Record `o` (one session's outcome) in the writer's transaction. `dialled`:
 * we initiated the session (a failure before the peer proved itself still
 * notes the error). `at`: when the session ended, if its record waited since
 * (for the write lock, for the rest of a round), so it says when the peer
 * was seen, and is not taken over a later session's record.
 */
export function recordOutcome(
  home: Home,
  w: HomeWriter,
  o: SessionOutcome,
  dialled = false,
  at?: number,
): void {
  if (o.peer === undefined) return;
  const now = at ?? home.now();
  // Our own evidence that its tunnel lets nothing back (src/mesh/silent_tunnel.ts).
  if (o.tunnelSilent && dialled) w.peer(o.peer, (book) => book.tunnelSilentAt = now);
  // A live session through the tunnel since ends that evidence: without
  // this, one timed-out connect let hints move a tunnel for a full minute
  // after later rounds synced through it.
  if (o.live && o.path === "mesh" && !o.tunnelSilent) {
    w.peer(o.peer, (book) => delete book.tunnelSilentAt);
  }
  if (!o.live) {
    if (!dialled) return;
    w.peer(o.peer, (book) => {
      book.lastError = `${o.status}: ${o.error ?? ""}`;
      book.lastErrorAt = now;
      book.lastErrorCode = o.code ?? "";
    });
    return;
  }
  const ex = o.exchange;
  w.peer(o.peer, (book) => {
    // Its session ended before the last one recorded of this peer: its
    // record waited for the write lock while another process recorded a
    // later one. What the later one says stands; above all what the peer
    // holds, which a peer restored from a backup reports lower, and which
    // compaction trusts (acks.ts). A last-seen time ahead of our clock (a
    // clock set back since) is no later session.
    const stale = book.lastSeen > now && book.lastSeen <= home.now();
    if (stale) {
      book.sent += ex?.sent ?? 0;
      book.received += ex?.ingest?.accepted ?? 0;
      return;
    }
    book.lastSeen = now;
    if (o.status === "synced") {
      book.lastSync = now;
      book.lastError = "";
      book.lastErrorCode = "";
      book.path = o.path;
      delete book.pairingHeads; // what a pairing carried: status's until a sync, as now
      if (o.address) book.address = o.address;
      const own = home.view.member(home.device)?.record.endpoints ?? [];
      const ports = new Set(own.map((e) => parseEndpoint(e).port));
      const reach = reachableAt(o, dialled, ports);
      if (reach) book.reachAt = remember(book.reachAt, reach, now);
    } else {
      book.lastError = `${o.status}: ${o.error ?? ""}`;
      book.lastErrorAt = now;
      book.lastErrorCode = o.code ?? "";
    }
    book.sent += ex?.sent ?? 0;
    book.received += ex?.ingest?.accepted ?? 0;
    if (ex !== undefined) {
      book.skewMs = ex.peer.now - now;
      book.skewAt = now;
      // What it holds: what it told us, and what it took of ours in a session
      // it completed without refusing anything (never what other sessions
      // brought us meanwhile: compaction relies on this; see acks.ts).
      const clean = o.status === "synced" && !ex.more && (ex.peerAck?.refused ?? 0) === 0;
      book.heads = acksAfter(home, book.heads, {
        reported: ex.reported === undefined
          ? undefined
          : new Map([...ex.reported].map(([a, h]) => [a, h.seq])),
        sent: clean ? ex.sentUpTo : undefined,
      });
    }
  });
  if (ex !== undefined && o.status === "synced") {
    // Devices that peered by cards printed before either moved may hold two
    // mesh ids for one set of members: every session moves both to the
    // smaller, so the whole mesh agrees within a round (src/cli/peering.ts).
    if (ex.peer.mesh < home.meshId) w.setMesh(ex.peer.mesh);
    noteSeen(home, w, o.peer, ex.peer.seen, now);
    for (const author of ex.newer) {
      if (author === o.peer || author === home.device) continue;
      if (home.view.member(author) === undefined) continue;
      w.peer(author, (b) => b.relay = { via: o.peer!.hex, at: now });
    }
  }
  if (o.provisional !== undefined) {
    const list = home.local.get("provisional") ?? {};
    list[o.peer.hex] = { name: o.name, by: o.provisional.by.hex, seq: o.provisional.seq, at: now };
    w.setLocal("provisional", list);
  }
}
