/**
 * @module serve
 * Answering sync connections: one connection on stdin/stdout (inetd, systemd
 * `Accept=yes`), or a foreground TCP listener. A caller that has not proved
 * who it is costs nothing lasting: the handshake has a short deadline, reads
 * only our Noise key, takes no lock and writes no bookkeeping; the listener
 * caps connections per source address so idle sockets cannot lock real
 * peers out. What a session receives is stored batch by batch in short
 * transactions; bookkeeping is written only for a peer that proved itself.
 */

import { Home } from "../storage/home_handle.ts";
import type { NoisePair } from "../storage/noise_cache.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { listenTcp } from "../transport/tcp_listener.ts";
import { holdListenLock } from "../storage/listen_lock.ts";
import { recordOutcome } from "./bookkeeping.ts";
import { respondSession } from "./peer_session.ts";
import type { SessionLimits, SessionOutcome } from "./peer_session_types.ts";
import {
  MAX_CONCURRENT,
  MAX_PER_SOURCE,
  MAX_RECORDS_WAITING,
} from "../protocol/connection_limits.ts";
import { ConnectionSlots } from "../transport/connection_slots.ts";
import { KnownSources } from "../transport/known_sources.ts";
import { ReplayGuard } from "../transport/replay_guard.ts";
import { BUSY_FRAME } from "../transport/handshake_io.ts";
import { lazyImport } from "../lazy_import.ts";
import { ServedHome } from "./served_home.ts";
import { DeviceSessions } from "./device_sessions.ts";
import { admitStdio } from "./stdio_admission.ts";
import { shareCuts } from "./cut_gate.ts";
import { registryDir } from "../transport/stdio_registry_dir.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { ListenerTries, type RemovedTries, stdioTries } from "./removed_tries.ts";

/** Options of the responder. */
export interface ServeOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Session limits. */
  limits: SessionLimits;
  /** One line per connection (what happened). */
  log: (line: string) => void;
  /** Where a removed device's attempts are noted (set by serveOne and serveListen). */
  tries?: RemovedTries;
}

/** One line describing a served session. */
export function describeServed(o: SessionOutcome): string {
  const who = o.peer ? `${o.name || "device"} (${o.peer.short})` : (o.address ?? "unknown peer");
  const ex = o.exchange;
  const forks = ex?.ingest?.forks.length
    ? ` · fork detected in ${ex.ingest.forks.length} log(s), see status`
    : "";
  if (o.status === "synced") {
    const received = (ex?.ingest?.accepted ?? 0) + (ex?.took ? " + the mesh's state" : "");
    const state = ex?.sentParts ? ` + our state in ${ex.sentParts} parts` : "";
    return `synced with ${who}: sent ${ex?.sent ?? 0}${state}, received ${received}${forks}`;
  }
  if (o.status === "checked") {
    return `checked by ${who}: a sync handshake only, nothing exchanged (mycel doctor there)`;
  }
  return `${o.status} ${who}: ${o.error ?? ""}`;
}

/**
 * Serve one session on `stream` for the home at `root` (`--stdio`: a process
 * per connection). Replays are told by the home's memory of first messages,
 * shared by every such process (src/storage/first_messages.ts).
 */
export async function serveOne(
  root: string,
  stream: ByteStream,
  meta: { path: string; address: string },
  options: ServeOptions,
): Promise<SessionOutcome> {
  using home = await Home.open(root, {
    write: true,
    now: options.now,
    env: options.env,
    signal: options.limits.signal,
  });
  const replays = { admit: (ephemeral: Uint8Array) => home.takeFirstMessage(ephemeral) };
  // Registered with the home's other --stdio processes before the handshake:
  // past the threshold the oldest unauthenticated one is evicted, and a
  // member device's sessions are counted across them (stdio_admission.ts).
  const known = new KnownSources([...home.local.peers().values()].map((b) => b.address));
  // Read once: the handshake needs them, and the registry is named under the private key.
  const keys = await home.noiseKeys();
  using admission = admitStdio({
    root,
    secret: keys.noisePrivate,
    remote: meta.address,
    known: known.has(meta.address),
    env: options.env,
    log: options.log,
  });
  // Cuts of our state counted with the home's other --stdio processes, in
  // the registry's folder (cut_budget_shared.ts): a member's next connection
  // is the next process, and a budget of its own would be none.
  shareCuts(home, () => registryDir(root, options.env, keys.noisePrivate), options.log);
  return await serveOn(home, stream, meta, {
    ...options,
    tries: stdioTries,
    limits: {
      ...options.limits,
      replays,
      onAdmitted: (peer) => admission.onAdmitted(peer),
      onAuthenticated: () => admission.onAuthenticated(),
      // Evicted before it authenticated: the connection closes at once.
      signal: options.limits.signal === undefined
        ? admission.evicted
        : AbortSignal.any([options.limits.signal, admission.evicted]),
    },
  }, keys);
}

/**
 * Serve one session on `stream` for an open (writable) home. Concurrent
 * sessions of one process share one handle: its writes queue, where two
 * handles would wait on each other's lock. A write waiting for another
 * process's lock waits on a timer (src/storage/lock_wait.ts): the other
 * sessions go on meanwhile, their own writes queued behind it.
 */
export async function serveOn(
  home: Home,
  stream: ByteStream,
  meta: { path: string; address: string },
  options: ServeOptions,
  /** The home's Noise pair, when the caller read it already. */
  known?: NoisePair,
  /**
   * Told once the connection is closed, before the session's record is
   * written (which may wait for another process's lock): the listener gives
   * the session's places back then.
   */
  ended?: (home: Home) => void,
): Promise<SessionOutcome> {
  const keys = known ?? await home.noiseKeys();
  const { serveFilePhase } = await lazyImport<typeof import("./file_serve.ts")>(
    new URL("./file_serve.ts", import.meta.url),
  );
  const outcome = await respondSession(home, keys, stream, meta, {
    ...options.limits,
    // The initiator may ask for chunks of folders we both joined.
    afterExchange: (channel, peer) =>
      serveFilePhase(home, channel, peer, options.limits.readTimeoutMs),
  });
  ended?.(home);
  const at = home.now();
  if (outcome.live) await home.write((w) => recordOutcome(home, w, outcome, false, at));
  // A removed device's attempt, unless a replay (removed_tries.ts): never a
  // stranger's, so strangers still cost no write.
  if (outcome.removedTry !== undefined && outcome.peer !== undefined) {
    await options.tries?.note(home, outcome.peer, outcome.removedTry, meta.address);
  }
  options.log(describeServed(outcome));
  return outcome;
}

/** Listen on `host:port` until `signal` aborts; returns when stopped. */
export async function serveListen(
  root: string,
  host: string,
  port: number,
  signal: AbortSignal,
  options: ServeOptions & {
    onListening?: (port: number) => void;
    /** First messages each replay memory keeps (replay_guard.ts; a small one in tests). */
    kept?: number;
  },
): Promise<void> {
  const listener = listenTcp(host, port);
  // One handle for every connection (see serveOn), opened before we say we listen.
  let home: Home;
  try {
    home = await Home.open(root, { write: true, now: options.now, env: options.env, signal });
  } catch (e) {
    listener.close();
    throw e;
  }
  // Says the home is answered on this port while it is (listen_lock.ts):
  // another serve of it on another port does not move the endpoint away.
  using _listening = await holdListenLock(root, listener.port);
  options.onListening?.(listener.port);
  const stop = () => listener.close();
  signal.addEventListener("abort", stop, { once: true });
  const running = new Set<Promise<unknown>>();
  const slots = new ConnectionSlots(MAX_CONCURRENT, MAX_PER_SOURCE);
  // Two memories: a removed device's attempts must not push members' first
  // messages out of theirs (removed_tries.ts).
  const replays = new ReplayGuard(options.kept);
  const tries = new ListenerTries(options.kept);
  const sessions = new DeviceSessions();
  let recording = 0;
  const known = new KnownSources([...home.local.peers().values()].map((b) => b.address));
  // Followed across a replacement (pairing again): served_home.ts.
  const served = new ServedHome(
    root,
    home,
    () => Home.open(root, { write: true, now: options.now, env: options.env, signal }),
    options.log,
  );
  try {
    for await (const conn of listener) {
      // Slots full, the oldest connection not yet authenticated makes room
      // (the oldest of those that have shown nothing, if any).
      const remote = conn.remote;
      const slot = slots.take(remote, () => {
        options.log(`busy: closed ${remote}, not authenticated yet, for a newer connection`);
        conn.close();
      });
      if (slot === undefined) {
        options.log(`busy: refused a connection from ${remote}`);
        // Two bytes fit any socket buffer: never awaited, so a peer that does
        // not read holds nothing here.
        conn.write(BUSY_FRAME).catch(() => {}).finally(() => conn.close());
        continue;
      }
      // Evicted last: a connection from where members connect from
      // (known_sources.ts), and one whose first handshake message was a
      // member's, not taken before.
      if (known.has(remote)) slot.promote();
      let counted: { release: () => void } | undefined;
      served.check();
      const limits = {
        ...options.limits,
        // Ctrl-C, SIGTERM: each session ends at once, and what it had under
        // way for its peer (a cut of our state) stops (peer_session_run.ts).
        signal,
        replays,
        onAdmitted: (peer: DeviceKey) => {
          const taken = sessions.take(peer);
          if ("busy" in taken) return taken.busy;
          counted = taken;
          slot.promote();
          return undefined;
        },
        onAuthenticated: () => {
          slot.keep();
          known.add(remote);
        },
      };
      const free = () => {
        slot.release();
        counted?.release();
      };
      // Its connection closed, a session whose record waits for the write
      // lock gives its places back (up to MAX_RECORDS_WAITING such), unless
      // entries are held in memory (a session that broke leaves its own
      // there until the home's next write, this record's): else a member
      // could hang up and come back, each time leaving up to HOLD_BYTES
      // held while the lock is, 64 times over (found by a review).
      let early = false;
      const ended = (h: Home) => {
        if (recording >= MAX_RECORDS_WAITING || h.holdsEntries()) return;
        recording++;
        early = true;
        free();
      };
      const task = served.use((h) =>
        serveOn(
          h,
          conn,
          { path: "tcp", address: remote },
          { ...options, limits, tries },
          undefined,
          ended,
        )
      )
        .catch((e) => options.log(`error: ${(e as Error).message}`))
        .finally(() => {
          if (early) recording--;
          running.delete(task);
          free();
        });
      running.add(task);
    }
  } finally {
    signal.removeEventListener("abort", stop);
    listener.close();
    await Promise.allSettled([...running]);
    await tries[Symbol.asyncDispose]();
    await served.close();
  }
}
