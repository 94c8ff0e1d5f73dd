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
 */

import { MAX_DRIFT_MS } from "../crdt/hlc.ts";
import type { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";
import { acksAfter } from "./acks.ts";
import type { SessionOutcome } from "./peer_session.ts";

/**
 * Record `o` (one session's outcome) in the writer's transaction. `dialled`:
 * we initiated the session (a failure before the peer proved itself still
 * notes the error).
 */
export function recordOutcome(
  home: Home,
  w: HomeWriter,
  o: SessionOutcome,
  dialled = false,
): void {
  if (o.peer === undefined) return;
  const now = home.now();
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
    book.lastSeen = now;
    if (o.status === "synced") {
      book.lastSync = now;
      book.lastError = "";
      book.lastErrorCode = "";
      book.path = o.path;
      if (o.address) book.address = o.address;
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
  if (o.provisional !== undefined) {
    const list = home.local.get("provisional") ?? {};
    list[o.peer.hex] = { name: o.name, by: o.provisional.by.hex, seq: o.provisional.seq, at: now };
    w.setLocal("provisional", list);
  }
}

/** A peer's clock runs this far from ours (ms; positive: ahead), if it is beyond the allowed drift. */
export function skewBeyondDrift(skewMs: number): number | undefined {
  return Math.abs(skewMs) > MAX_DRIFT_MS ? skewMs : undefined;
}
