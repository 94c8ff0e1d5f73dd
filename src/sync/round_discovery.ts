/**
 * @module round_discovery
 * LAN discovery inside a sync round (docs/discovery.md): one probe per round
 * at most, and only when needed. It starts with the round when some peer's
 * recorded endpoints are missing or its last attempt failed, and otherwise
 * only once a peer turned out unreachable at every route it had. Peers that
 * failed everywhere wait for the probe's answers and are dialled there (the
 * Noise handshake that follows is what authenticates them: an answer only
 * says where to dial). A round where every peer answers sends nothing.
 */

import { DISCOVERY_PORT } from "../protocol/discovery.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import type { MemberInfo } from "../log/state.ts";
import { discoverySecrets } from "../mesh/discovery_key.ts";
import type { Home } from "../storage/home_handle.ts";
import type { Counters, Found } from "../transport/udp_socket.ts";
import type { Target } from "../transport/udp_targets.ts";
import type { Route } from "./peer_routes.ts";
import { lazyImport } from "../lazy_import.ts";

/**
 * How long a round's probe listens (ms): long enough for a socket-activated
 * responder to start (a compiled binary takes ~0.1 s; `deno run` on a busy
 * machine more than a second). Only rounds that lack a peer pay it, in
 * parallel with their other sessions.
 */
export const ROUND_LISTEN_MS = 3000;

/** How a round probes (tests pass their own targets, port or counters). */
export interface DiscoveryOptions {
  /** How long the probe listens for answers (ms; default ROUND_LISTEN_MS). */
  listenMs?: number;
  /** UDP port responders listen on (default 7850). */
  port?: number;
  /** Packets and bytes sent and received, for measurements. */
  counters?: Counters;
  /** Where probes go (default: every link's broadcast and all-nodes group). */
  targets?: readonly Target[];
  /** Called once when the probe goes out (`eager`: before any dial failed). */
  onProbe?: (eager: boolean) => void;
  /** Called once the probe stopped listening (tests). */
  onProbeEnd?: () => void;
}

/** Finds peers on the local links for one round. */
export interface RoundFinder {
  /** Routes discovery found for `peer` (waits for the round's one probe). */
  find(peer: DeviceRecord): Promise<Route[]>;
  /**
   * The round's sessions are over: a probe still listening stops at once.
   * Before, a probe started with the round (a peer unreachable last time)
   * kept `sync now` from exiting for the whole of ROUND_LISTEN_MS although
   * every peer had synced meanwhile and nobody would read its answers.
   */
  stop(): void;
}

/**
 * True when a peer looks unreachable at what we know of it: no endpoint, or
 * our last dial reached it nowhere (bookkeeping.ts notes that as
 * `unreachable: …`; a peer that answered and then failed or refused is
 * where we dialled, and no probe finds it anywhere else).
 */
function needsLooking(home: Home, m: MemberInfo): boolean {
  if (m.record.endpoints.length === 0) return true;
  const book = home.local.peer(m.record.key);
  return book.lastErrorAt > book.lastSync && book.lastError.startsWith("unreachable:");
}

/**
 * A finder for this round's `peers`, which probes at once when one of them
 * needs it, else on the first `find`. `syncPort`: ours, told in the probe.
 * `signal` (Ctrl-C) ends the probe's listening at once: the round is over.
 */
export function roundFinder(
  home: Home,
  peers: readonly MemberInfo[],
  syncPort: number,
  o: DiscoveryOptions = {},
  signal?: AbortSignal,
): RoundFinder {
  const secret = discoverySecrets(home.view, home.meshId)[0];
  const ids = peers.map((p) => p.record.id);
  const done = new AbortController();
  const listening = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
  let probing: Promise<Found[]> | undefined;
  const start = (eager: boolean) => {
    probing ??= (async () => {
      o.onProbe?.(eager);
      const { probe } = await lazyImport<typeof import("../transport/udp_probe.ts")>(
        new URL("../transport/udp_probe.ts", import.meta.url),
      );
      return await probe({
        identity: { secret, deviceId: home.device.id, syncPort },
        peers: ids,
        listenMs: o.listenMs ?? ROUND_LISTEN_MS,
        port: o.port ?? DISCOVERY_PORT,
        counters: o.counters,
        ...(o.targets ? { targets: [...o.targets] } : {}),
        signal: listening,
      }).catch(() => []).finally(() => o.onProbeEnd?.());
    })();
    return probing;
  };
  if (peers.some((p) => needsLooking(home, p))) void start(true);
  return {
    async find(peer) {
      const found = await start(false);
      return found.filter((f) => f.deviceId === peer.id).map((f) => ({
        path: "discovered",
        host: f.host,
        port: f.port,
      }));
    },
    stop: () => done.abort(),
  };
}
