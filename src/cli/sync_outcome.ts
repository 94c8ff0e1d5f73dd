/**
 * @module sync_outcome
 * How a sync round's peer sessions are told: one line per peer as its
 * session ends, the `--json` rows, and the round's exit code.
 */

import { ExitCode } from "../errors.ts";
import type { PeerFetchReport } from "../sync/file_fetch.ts";
import type { SessionOutcome } from "../sync/peer_session_types.ts";
import { safeText } from "../text_safety.ts";
import { plural } from "../human.ts";
import type { Text } from "./output.ts";
import { refusalInLocalTime } from "./removal.ts";

/**
 * Exit code of a round: 0 when every peer synced; 3 when no peer was
 * reachable, or when some synced and some did not (a partial round: a laptop
 * asleep, which timers treat as success); 1 when none synced and some were
 * reached but refused or failed.
 */
export function roundExitCode(statuses: readonly string[]): number {
  if (statuses.every((s) => s === "synced")) return ExitCode.ok;
  if (statuses.every((s) => s === "unreachable")) return ExitCode.unreachable;
  if (statuses.some((s) => s === "synced")) return ExitCode.unreachable;
  return ExitCode.failure;
}

/** One peer's line: `laptop (ABCDEFG): synced: sent 2 entries, received 1 entry via direct …`. */
export function outcomeLine(o: SessionOutcome): Text {
  const who = `${safeText(o.name || "device")} (${o.peer?.short ?? "?"})`;
  const ex = o.exchange;
  const state = ex?.took ? " and the mesh's state" : "";
  const ours = ex?.sentParts
    ? ` and our state in ${ex.sentParts} parts`
    : ex?.sentCheckpoint
    ? " and our state"
    : "";
  const more = ex?.more || ex?.peerMore ? " (more next round)" : "";
  const how = o.status !== "synced"
    ? safeText(refusalInLocalTime(o.error ?? ""))
    : ex?.idle
    ? `up to date via ${o.path} ${o.address ?? ""}`.trimEnd()
    : `sent ${plural(ex?.sent ?? 0, "entry", "entries")}${ours}, received ${
      plural(ex?.ingest?.accepted ?? 0, "entry", "entries")
    }${state} via ${o.path} ${o.address ?? ""}`.trimEnd() + more;
  const forks = ex?.ingest?.forks.length
    ? ` · fork detected in ${plural(ex.ingest.forks.length, "log")}, see status`
    : "";
  const refused = ex?.ingest?.refusedCount
    ? ` · refused ${plural(ex.ingest.refusedCount, "entry", "entries")}`
    : "";
  const tone = o.status === "synced" ? "green" : o.status === "unreachable" ? "yellow" : "red";
  return [`${who}: `, { text: o.status, tone }, `: ${safeText(how)}${forks}${refused}`];
}

/** What a round's file phase fetched from one peer, over every folder. */
export interface PeerFiles {
  chunks: number;
  bytes: number;
  /** Why the file phase stopped asking it (wrong bytes, a timeout …), if it did. */
  dropped: string | null;
}

/** What {@link filesByPeer} reads of a folder's outcome (folder_round.ts `FolderOutcome`). */
interface FolderFetched {
  readonly interrupted?: boolean;
  readonly apply?: { readonly peers: readonly PeerFetchReport[]; readonly interrupted?: boolean };
}

/**
 * Per peer (device id), what the file phase fetched from it, from each
 * folder's fetch reports; undefined when no folder's files were applied
 * (none joined here, or every one stopped). A peer "dropped" because the
 * round was interrupted (Ctrl-C closed its channel) is not said to be: that
 * was no fault of the peer's.
 */
export function filesByPeer(folders: readonly FolderFetched[]): Map<string, PeerFiles> | undefined {
  if (!folders.some((f) => f.apply !== undefined)) return undefined;
  const out = new Map<string, PeerFiles>();
  for (const f of folders) {
    const interrupted = f.interrupted === true || f.apply?.interrupted === true;
    for (const r of f.apply?.peers ?? []) {
      const row = out.get(r.key.id) ?? { chunks: 0, bytes: 0, dropped: null };
      row.chunks += r.chunks;
      row.bytes += r.bytes;
      if (r.dropped !== undefined && !interrupted) row.dropped ??= r.dropped;
      out.set(r.key.id, row);
    }
  }
  return out;
}

/**
 * The `sync now --json` rows, one per peer. `files` is what the round's
 * file phase fetched from each peer: null in every row when no file phase
 * ran (`--push`, no folder synced here, every folder stopped) or it failed
 * with an error, zeros for a peer it fetched nothing from.
 */
export function outcomesJson(
  outcomes: readonly SessionOutcome[],
  files?: ReadonlyMap<string, PeerFiles>,
): unknown[] {
  return outcomes.map((x) => ({
    id: x.peer?.id ?? null,
    name: x.name,
    status: x.status,
    sent: x.exchange?.sent ?? 0,
    received: x.exchange?.ingest?.accepted ?? 0,
    checkpoint: {
      sent: x.exchange?.sentCheckpoint ?? false,
      received: x.exchange?.took !== undefined,
    },
    more: (x.exchange?.more || x.exchange?.peerMore) ?? false,
    path: x.status === "unreachable" ? null : x.path,
    address: x.address ?? null,
    error: x.error ?? null,
    // Stable for scripts, as an error's `code` is: `peer_disk_full`, `timeout`, `busy` …
    code: x.status === "synced" ? null : x.code ?? null,
    forks: x.exchange?.ingest?.forks.length ?? 0,
    files: files === undefined
      ? null
      : (x.peer && files.get(x.peer.id)) ?? { chunks: 0, bytes: 0, dropped: null },
  }));
}
