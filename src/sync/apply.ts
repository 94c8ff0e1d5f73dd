/**
 * @module apply
 * The locked phase of a sync round: open the home for writing (fresh, so
 * writes made meanwhile by other processes are seen), check and store every
 * staged entry, record per-peer bookkeeping, save. Network waits never
 * happen here, so the lock is held only for local disk work.
 */

import { toHex } from "../bytes.ts";
import { newPeerBook, noteFork } from "../storage/local_state.ts";
import type { Store } from "../storage/store.ts";
import { Ingestor, type IngestResult } from "./ingest.ts";
import type { SessionOutcome } from "./peer_session.ts";

/** A session outcome together with what ingesting its entries did. */
export interface AppliedOutcome extends SessionOutcome {
  /** Entries received, checked and stored (0 when not synced). */
  received: number;
  /** Entries sent to the peer. */
  sent: number;
  /** What ingesting found (refusals, forks, duplicates). */
  ingest?: IngestResult;
}

const INGEST_CHUNK = 1024;

/** Store the staged entries of `outcomes` into `store` (opened for writing) and update bookkeeping. */
export async function applyOutcomes(
  store: Store,
  outcomes: SessionOutcome[],
  trusted: ReadonlySet<string> = new Set(),
  progress: (text: string) => void = () => {},
): Promise<AppliedOutcome[]> {
  const now = store.now();
  const applied: AppliedOutcome[] = [];
  for (const o of outcomes) {
    let ingest: IngestResult | undefined;
    if (o.exchange) {
      const ingestor = new Ingestor(store, trusted);
      const staged = o.exchange.staged;
      for (let i = 0; i < staged.length; i += INGEST_CHUNK) {
        await ingestor.push(staged.slice(i, i + INGEST_CHUNK));
        if (staged.length > INGEST_CHUNK) {
          progress(
            `storing entries from ${o.name || "peer"}: ${
              Math.min(i + INGEST_CHUNK, staged.length)
            }/${staged.length}`,
          );
        }
      }
      ingest = ingestor.finish();
      for (const f of o.exchange.forks) {
        noteFork(store.local, {
          author: f.author,
          seq: f.seq,
          kept: toHex(f.ours),
          other: toHex(f.theirs),
        }, now);
      }
    }
    const out: AppliedOutcome = {
      ...o,
      sent: o.exchange?.sent ?? 0,
      received: ingest?.accepted ?? 0,
      ingest,
    };
    if (out.status === "synced" && ingest && ingest.refused.length > 0) {
      const r = ingest.refused[0];
      out.status = "refused";
      out.error = `refused ${ingest.refused.length} entries: ${r.reason}` +
        (r.author ? ` (${r.author.slice(0, 7)}#${r.seq})` : "");
    }
    if (o.peer !== "" && store.state.members.added(o.peer) !== undefined) {
      const book = store.local.peers[o.peer] ?? newPeerBook();
      if (o.status !== "unreachable") book.lastSeen = now;
      if (out.status === "synced") {
        book.lastSync = now;
        book.lastError = "";
        book.path = o.path;
      } else {
        book.lastError = `${out.status}: ${out.error ?? ""}`;
        book.lastErrorAt = now;
      }
      book.sent += out.sent;
      book.received += out.received;
      if (o.remoteHeads || out.status === "synced") {
        // After a completed exchange the peer also holds what we sent it.
        const heads: Record<string, number> = {};
        for (const [a, h] of o.remoteHeads ?? []) heads[a] = h.seq;
        if (out.status === "synced") {
          for (const [a, h] of store.heads) heads[a] = Math.max(heads[a] ?? 0, h.seq);
        }
        book.heads = heads;
      }
      store.local.peers[o.peer] = book;
    }
    applied.push(out);
  }
  return applied;
}
