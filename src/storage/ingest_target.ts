/**
 * @module ingest_target
 * What the log's ingest (src/log/ingest.ts) writes through inside one
 * write transaction: the transaction's state and logs, with a chain's head
 * row moved once per run of appended entries (not per entry) and settled
 * before any head is read, so whatever runs meanwhile sees heads that match
 * the state.
 */

import type { SignedEntry } from "../log/entry.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { LogTarget } from "../log/ingest.ts";
import type { WriterParts } from "./writer_parts.ts";

/**
 * The ingest target: the state and the logs of this transaction, and our
 * clock. A chain's head row is written once per run of appended entries, not
 * per entry: `settle` writes what is pending. Ingest reads a head before it
 * takes a run, and only then awaits (a signature check), so reading any head
 * settles all of them: whatever else runs meanwhile (the other half of a
 * session making a checkpoint) sees heads that match the state.
 */
export function ingestTarget(
  p: WriterParts,
  onAppend: (e: SignedEntry) => void,
): LogTarget & { settle(): void } {
  const { state, log } = p;
  const moved = new Map<DeviceKey, SignedEntry>();
  const settle = () => {
    for (const [a, e] of moved) log.moveHead(a, e.entry.seq, e.hash);
    moved.clear();
  };
  return {
    settle,
    space: (s) => state.space(s),
    seen: (a) => state.seen(a),
    setSeen: (a, seq) => state.setSeen(a, seq),
    addApp: (n) => state.addApp(n),
    member: (k) => state.member(k),
    putMember: (k, r) => state.putMember(k, r),
    folders: () => state.folders(),
    head: (a) => {
      settle();
      return log.head(a);
    },
    hashAt: (a, seq) => log.hashAt(a, seq),
    append: (e) => {
      log.append(e, false);
      moved.set(e.entry.author, e);
      onAppend(e);
    },
    setAside: (e, reason) => log.setAside(e, reason),
    asideRemovals: () => log.asideRemovals(),
    takeWaiting: (a) => log.takeWaiting(a),
    noteFork: (a, seq, kept, other) => log.noteFork(a, seq, kept, other),
  };
}
