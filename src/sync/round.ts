/**
 * @module round
 * `sync now`: one round, with the peers round_peers.ts picks. Each peer is
 * dialled at its routes in turn (the mesh address first when the tunnel is
 * up), the endpoints a session last worked at first; a peer unreachable
 * everywhere is looked for on the local links (round_discovery.ts). Before
 * dialling, the device brings its own record up to date (its addresses,
 * self_record.ts). Sessions run in parallel, each storing what it receives
 * in short transactions; bookkeeping is written once at the end.
 */

import { NOISE_IK_AESGCM } from "../crypto/noise.ts";
import { type ErrorCode, MycelError } from "../errors.ts";
import { plural } from "../human.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { syncsWithMycel } from "../mesh/plan.ts";
import type { LocalAddress } from "../mesh/self_endpoints.ts";
import { Home } from "../storage/home_handle.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { connectTcp } from "../transport/tcp.ts";
import { recordOutcome } from "./bookkeeping.ts";
import { initiateSession } from "./peer_session.ts";
import type { NoiseKeys, SessionLimits, SessionOutcome } from "./peer_session_types.ts";
import { directRoutes, type Route } from "./peer_routes.ts";
import { type DiscoveryOptions, type RoundFinder, roundFinder } from "./round_discovery.ts";
import { choosePeers } from "./round_peers.ts";
import { refreshSelfRecord } from "./self_record.ts";
import { lazyImport } from "../lazy_import.ts";
import { limitsFor, type SessionTuning } from "./session_bounds.ts";

/** Options of a round. */
export interface RoundOptions {
  /** Wall clock. */
  now: () => number;
  /** Called with the round's home at its end (a caller reads what it needs without opening it again). */
  finally?: (home: Home) => void;
  /** Called with the round's home before any peer is met (to compare with what `finally` reads). */
  start?: (home: Home) => void;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Read deadline per peer (ms); progress resets it. */
  timeoutMs: number;
  /** Ways to reach a peer, best first (default: its endpoints, direct). */
  routes?: (peer: DeviceRecord, home: Home) => Promise<Route[]> | Route[];
  /** Only these peers (default: the fan-out choice). */
  only?: (peer: DeviceRecord) => boolean;
  /** Contact every peer, whatever the mesh's size. */
  all?: boolean;
  /** Ports we accept sync on. */
  ports?: readonly number[];
  /** Called as each peer's session ends (what it sent is stored by then). */
  onOutcome?: (outcome: SessionOutcome) => void;
  /** Transient progress lines (long transfers). */
  progress?: (text: string) => void;
  /** Random source in [0, 1) (tests). */
  random?: () => number;
  /** Session budget and deadline, when not the defaults (see {@link SessionTuning}). */
  tuning?: SessionTuning;
  /** This machine's addresses: the round first keeps the device's own record current. */
  addresses?: () => readonly LocalAddress[];
  /** Look for unreachable peers on the local links (default: not at all). */
  discovery?: DiscoveryOptions;
  /** Open a connection to a route (default: TCP); in-process meshes pass their links. */
  connect?: (route: Route, timeoutMs: number) => Promise<ByteStream & { remote?: string }>;
  /** After the round, compact when due (compact.ts): `sync now`, not pushes. */
  compact?: boolean;
  /** The file phase to run after each session's exchange (folder_round.ts). */
  afterExchange?: SessionLimits["afterExchange"];
  /** Bytes a session's connection may read in all (the file phase's initiator). */
  maxBytes?: number;
  /**
   * Ctrl-C or SIGTERM: every session's connection is closed at once (and a
   * dial under way given up), so the round ends without waiting on a peer.
   * What the sessions stored stays (whole entries, in transactions); the
   * sessions cut short are neither reported nor recorded (the peer did not
   * fail), nor is the round; no compaction.
   */
  signal?: AbortSignal;
}

/** A route left less connect time than this (ms) is not dialled: the peer's budget is spent. */
export const MIN_CONNECT_MS = 50;
/**
 * A connect through a tunnel given at least this long (ms) that times out
 * says nothing comes back through it (src/mesh/silent_tunnel.ts): a second
 * is a TCP SYN's first retransmission, far above a direct tunnel's RTT.
 */
export const SILENT_CONNECT_MS = 1000;

/**
 * What a peer without an endpoint needs, said in its row (and so in
 * `status`): the row said only "it has no known endpoint", every round, with
 * no word of the fix `doctor` gives.
 */
const NO_ENDPOINT_FIX = "(on it: `mycel service install`, or `mycel mesh set-endpoint HOST:PORT`)";

/** One session with `peer`, trying its routes in turn. */
export async function syncPeer(
  home: Home,
  keys: NoiseKeys,
  peer: DeviceRecord,
  routes: Route[],
  o: RoundOptions,
  admission: Uint8Array[],
  finder?: RoundFinder,
): Promise<SessionOutcome> {
  const base = { peer: peer.key, name: peer.name, path: "direct", live: false };
  if (routes.length === 0 && finder === undefined) {
    return {
      ...base,
      status: "unreachable",
      error: `it has no known endpoint ${NO_ENDPOINT_FIX}`,
      code: "endpoint_unknown",
    };
  }
  const errors: string[] = [];
  // Each failed dial's code: the row carries one (sync now --json, as every
  // row that did not sync does; before, an unreachable row had none).
  const codes: ErrorCode[] = [];
  const tried = new Set<string>();
  let looked = false;
  // The routes share one connect budget, the read deadline; those the probe
  // found get one of their own. Before, each route got the deadline divided
  // by the routes left, which sums to about T·ln(n) (a member whose record
  // lists 16 endpoints nobody answers at, plus 4 remembered: 29 s a round at
  // the default 10 s, 7.2 s for 20 routes at 2 s).
  let budgetFrom = performance.now();
  let untried = 0;
  let silent = false;
  const noted = (x: SessionOutcome) => (silent ? { ...x, tunnelSilent: true } : x);
  for (let i = 0;; i++) {
    if (o.signal?.aborted) break;
    if (i === routes.length && finder && !looked) {
      // Unreachable everywhere we knew: whatever the round's probe found.
      looked = true;
      for (const r of await finder.find(peer)) {
        if (!tried.has(`${r.host} ${r.port}`)) routes.push(r);
      }
      budgetFrom = performance.now();
    }
    if (i >= routes.length) break;
    const r = routes[i];
    // Share the connect time among the routes: a dead first route (a tunnel
    // not up yet) must leave the direct one time to connect.
    const left = o.timeoutMs - (performance.now() - budgetFrom);
    const connectMs = Math.min(Math.floor(left / (routes.length - i)), 3000);
    if (connectMs < MIN_CONNECT_MS) {
      untried++;
      continue;
    }
    tried.add(`${r.host} ${r.port}`);
    let stream;
    try {
      stream = o.connect
        ? await o.connect(r, connectMs)
        : await connectTcp(r.host, r.port, connectMs, { signal: o.signal });
    } catch (e) {
      errors.push((e as Error).message.replace(/^Cannot [^:]*: /, ""));
      codes.push(e instanceof MycelError ? e.code : "io_error");
      silent ||= r.path === "mesh" && connectMs >= SILENT_CONNECT_MS &&
        e instanceof MycelError && e.code === "timeout";
      continue;
    }
    const limits = {
      ...limitsFor(o.timeoutMs, o.ports, o.tuning),
      onReceived: (n: number) =>
        o.progress?.(`receiving from ${peer.name}: ${plural(n, "entry", "entries")}`),
      ...(o.afterExchange ? { afterExchange: o.afterExchange } : {}),
      ...(o.maxBytes === undefined ? {} : { maxBytes: o.maxBytes }),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const meta = { path: r.path, address: stream.remote ?? `${r.host}:${r.port}` };
    const outcome = await initiateSession(home, keys, peer, stream, meta, limits, admission);
    if (!hungUpOnHello(outcome)) return noted(outcome);
    // A peer on a release before ChaChaPoly reads only AESGCM and hangs up on
    // our first message: dialled again once under that name (it still gets
    // in the other way: responders accept both, noise_protocol.ts).
    let again;
    try {
      again = o.connect
        ? await o.connect(r, connectMs)
        : await connectTcp(r.host, r.port, connectMs, { signal: o.signal });
    } catch {
      return noted(outcome);
    }
    const older = await initiateSession(
      home,
      keys,
      peer,
      again,
      { ...meta, address: again.remote ?? meta.address },
      limits,
      admission,
      NOISE_IK_AESGCM,
    );
    return noted(older.status === "failed" && !older.live ? outcome : older);
  }
  if (untried > 0) {
    errors.push(`${plural(untried, "more route", "more routes")} not tried in time`);
    codes.push("timeout");
  }
  const none = routes.length === 0
    ? `it has no known endpoint and was not found on the link ${NO_ENDPOINT_FIX}`
    : "";
  return noted({
    ...base,
    status: "unreachable",
    error: errors.join("; ") || none || "timed out",
    code: unreachableCode(codes, routes.length),
  });
}

/**
 * The entries a session's hello carries to `peer`: the entry that admitted
 * us, and our own first one, which announces our keys: a peer whose
 * admissions of us disagree takes no key for us until it has that entry
 * (membership.ts `contested`, admission.ts). The first only to a peer not
 * known to hold it: it is most of an idle session's bytes. (Also what
 * doctor's handshake probe sends, peer_probe.ts.)
 */
export function admissions(home: Home): (peer: DeviceRecord) => Uint8Array[] {
  const ref = home.local.get("admission");
  const admitted = ref ? [Uint8Array.fromBase64(ref.entry)] : [];
  const first = home.log.range(home.device, 0, 1, 1);
  return (peer) =>
    (home.local.peer(peer.key).heads[home.device.hex] ?? 0) >= 1
      ? admitted
      : [...admitted, ...first];
}

/** Run one round for the home at `root`. */
export async function syncRound(root: string, o: RoundOptions): Promise<SessionOutcome[]> {
  using home = await Home.open(root, { write: true, now: o.now, env: o.env, signal: o.signal });
  return await syncRoundOn(home, o);
}

/**
 * Run one round for an open home (writable). One handle serves a device's
 * round and its answers in an in-process mesh: writes through one handle
 * queue, while two handles in one process would wait on each other's lock.
 */
export async function syncRoundOn(home: Home, o: RoundOptions): Promise<SessionOutcome[]> {
  o.start?.(home);
  if (o.addresses) await refreshSelfRecord(home, o.addresses());
  const all = home.view.members()
    .filter((m) =>
      m.removed === undefined && m.record.key !== home.device && syncsWithMycel(m.record)
    )
    .filter((m) => o.only?.(m.record) ?? true);
  const peers = o.only ? all : choosePeers(home, all, o);
  let outcomes: SessionOutcome[] = [];
  if (peers.length > 0) {
    const keys = await home.noiseKeys();
    const routes = o.routes ??
      ((peer: DeviceRecord) => directRoutes(peer, home.local.peer(peer.key), home.now()));
    const admissionFor = admissions(home);
    // The ports we accept sync on, told to each peer (it may call back there).
    const own = home.view.member(home.device)?.record.endpoints ?? [];
    const ports = o.ports ?? [...new Set(own.map((e) => parseEndpoint(e).port))].slice(0, 8);
    const finder = o.discovery
      ? roundFinder(home, peers, ports[0] ?? 0, o.discovery, o.signal)
      : undefined;
    const endedAt = new Map<SessionOutcome, number>();
    const all = await Promise.all(peers.map(async (p) => {
      const out = await syncPeer(
        home,
        keys,
        p.record,
        [...await routes(p.record, home)],
        { ...o, ports },
        admissionFor(p.record),
        finder,
      );
      // Cut short by Ctrl-C: not the peer's failure (see RoundOptions.signal).
      if (o.signal?.aborted && out.status !== "synced") return undefined;
      endedAt.set(out, home.now()); // recorded once every peer is done (recordOutcome `at`)
      o.onOutcome?.(out);
      return out;
    }));
    outcomes = all.filter((x) => x !== undefined);
    finder?.stop();
    o.progress?.("");
    await home.write((w) => {
      for (const out of outcomes) recordOutcome(home, w, out, true, endedAt.get(out));
      if (o.signal?.aborted) return; // not a round
      const synced = outcomes.filter((x) => x.status === "synced").length;
      w.setLocal("lastRound", { at: home.now(), peers: outcomes.length, synced });
    });
  }
  if (o.compact && !o.signal?.aborted) {
    const { compactIfDue } = await lazyImport<typeof import("./compact.ts")>(
      new URL("./compact.ts", import.meta.url),
    );
    await compactIfDue(home);
  }
  o.finally?.(home);
  return outcomes;
}

/**
 * The code of a peer reached at none of its routes: the first failed dial's
 * (its best route, tried first; the row's error names each route's
 * failure), `endpoint_unknown` when there was nothing to dial.
 */
export function unreachableCode(codes: readonly ErrorCode[], routes: number): ErrorCode {
  return codes[0] ?? (routes === 0 ? "endpoint_unknown" : "timeout");
}

/** True when the peer hung up on our first handshake message (it may read only the older suite). */
function hungUpOnHello(o: SessionOutcome): boolean {
  return o.status === "failed" && !o.live && o.code === "connection_closed" &&
    /hung up during the handshake/.test(o.error ?? "");
}
