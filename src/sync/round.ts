/**
 * @module round
 * `sync now`: one round with every admitted peer, in parallel. Each peer is
 * dialled at its known endpoints in turn (mesh addresses first when the
 * WireGuard interface is up; see `routes`), sessions run without the lock,
 * then everything received is stored in one locked phase.
 */

import { fromBase64 } from "../bytes.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { syncsWithMycel } from "../mesh/plan.ts";
import { Store } from "../storage/store.ts";
import { connectTcp } from "../transport/tcp.ts";
import { type AppliedOutcome, applyOutcomes } from "./apply.ts";
import { initiateSession, type SessionLimits, type SessionOutcome } from "./peer_session.ts";

/** One way to reach a peer. */
export interface Route {
  /** "direct" (its advertised endpoint) or "mesh" (its WireGuard address). */
  path: string;
  /** Host to dial. */
  host: string;
  /** Port to dial. */
  port: number;
}

/** Options of a round. */
export interface RoundOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment (MYCEL_PASSPHRASE). */
  env: (name: string) => string | undefined;
  /** Whole-session deadline per peer (ms). */
  timeoutMs: number;
  /** Ways to reach a peer, best first (default: its endpoints, direct). */
  routes?: (peer: DeviceRecord, view: Store) => Promise<Route[]> | Route[];
  /** Only these peers (all when undefined). */
  only?: (peer: DeviceRecord) => boolean;
  /** Called before the locked phase, e.g. to show progress. */
  onStaged?: (outcomes: SessionOutcome[]) => void;
  /**
   * Called as each peer's session ends, before anything it sent is stored
   * (storing may still refuse some of it: the returned outcomes say).
   */
  onOutcome?: (outcome: SessionOutcome) => void;
  /** Transient progress lines (long transfers). */
  progress?: (text: string) => void;
}

/** The direct routes of `peer`: its advertised endpoints. */
export function directRoutes(peer: DeviceRecord): Route[] {
  return peer.endpoints.map((e) => ({ path: "direct", ...parseEndpoint(e) }));
}

/** Limits for a session with an overall budget of `timeoutMs`. */
export function limitsFor(timeoutMs: number): SessionLimits {
  return { sessionTimeoutMs: timeoutMs, readTimeoutMs: Math.min(timeoutMs, 10_000) };
}

async function syncPeer(
  store: Store,
  keys: Awaited<ReturnType<Store["keys"]>>,
  peer: DeviceRecord,
  routes: Route[],
  timeoutMs: number,
  progress: (text: string) => void,
  admission: Uint8Array[],
): Promise<SessionOutcome> {
  const base = { peer: peer.id, name: peer.name, path: "direct" };
  if (routes.length === 0) {
    return { ...base, status: "unreachable", error: "it has no known endpoint" };
  }
  const started = Date.now();
  const errors: string[] = [];
  for (const [i, r] of routes.entries()) {
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) break;
    // Share the time among the routes still to try: a dead first route (a
    // tunnel not up yet) must leave the direct one time to connect.
    const connectMs = Math.min(left / (routes.length - i), 3000);
    let stream;
    try {
      stream = await connectTcp(r.host, r.port, connectMs);
    } catch (e) {
      errors.push((e as Error).message.replace(/^Cannot [^:]*: /, ""));
      continue;
    }
    const limits = {
      ...limitsFor(left),
      onReceived: (n: number) => progress(`receiving from ${peer.name}: ${n} entries`),
    };
    const meta = { path: r.path, address: stream.remote };
    return await initiateSession(store, keys, peer, stream, meta, limits, admission);
  }
  return { ...base, status: "unreachable", error: errors.join("; ") || "timed out" };
}

/** Run one round with every (selected) peer of the home at `root`. */
export async function syncRound(root: string, options: RoundOptions): Promise<AppliedOutcome[]> {
  const view = await Store.open(root, { write: false, now: options.now, env: options.env });
  const peers = view.state.members.members()
    .filter((id) => id !== view.deviceId)
    .map((id) => view.state.device(id)!)
    .filter((p) => syncsWithMycel(p) && (options.only?.(p) ?? true));
  if (peers.length === 0) return [];
  const keys = await view.keys();
  const routes = options.routes ?? directRoutes;
  const progress = options.progress ?? (() => {});
  // A device admitted recently shows its admission entry, so peers that have
  // not seen it yet still let it in.
  const admission = view.local.admission ? [fromBase64(view.local.admission.entry)] : [];
  const outcomes = await Promise.all(
    peers.map(async (p) => {
      const o = await syncPeer(
        view,
        keys,
        p,
        await routes(p, view),
        options.timeoutMs,
        progress,
        admission,
      );
      options.onOutcome?.(o);
      return o;
    }),
  );
  options.onStaged?.(outcomes);
  const store = await Store.open(root, { write: true, now: options.now, env: options.env });
  try {
    const applied = await applyOutcomes(store, outcomes, new Set(), progress);
    progress("");
    const synced = applied.filter((o) => o.status === "synced").length;
    store.local.lastRound = { at: store.now(), peers: applied.length, synced };
    await store.save();
    return applied;
  } finally {
    store.close();
  }
}
