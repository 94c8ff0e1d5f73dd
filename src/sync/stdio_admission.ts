/**
 * @module stdio_admission
 * What `sync serve --listen` does with its slots (connection_slots.ts,
 * device_sessions.ts), done across the `sync serve --stdio` processes of a
 * home, one per connection under socket activation, through their shared
 * registry (src/transport/stdio_registry.ts).
 *
 * systemd refuses every connection past the socket unit's `MaxConnections=`
 * outright, and starts no process that could make room: a stranger holding
 * 16 idle connections from 4 addresses locked every member out for as long
 * as it kept re-opening them. So a process that registers where
 * {@link STDIO_EVICT_AT} live ones are already (fewer than the 16) evicts
 * the oldest not yet authenticated, by the rule the listener uses
 * (eviction_order.ts): quiet ones from sources no member used first, then
 * promoted ones (a known source, or admitted as a member's), never an
 * authenticated one. The evicted process gets EVICT_SIGNAL, closes its
 * connection at once and exits (serve's stream honours the abort) --
 * unless its member authenticated between the decision and its handling
 * of the signal (the `hi` read while the decider held the lock): then it
 * keeps its session and registers again, as kept. Before, the SIGTERM
 * meant for an idle connection cut such a member's live session and the
 * home booked a failure against it.
 *
 * Once admitted, a member device is counted: a third session of one device
 * across the processes is refused `busy`, as the listener refuses it.
 *
 * Fails open: a registry that cannot be used (no memory file system, a
 * folder that is not ours) costs a note on stderr, never a member's session.
 */

import { STDIO_EVICT_AT } from "../protocol/connection_limits.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { sourceOf } from "../transport/connection_slots.ts";
import { evictionVictims } from "../transport/eviction_order.ts";
import { EVICT_SIGNAL, type StdioEntry, StdioRegistry } from "../transport/stdio_registry.ts";
import { DeviceSessions } from "./device_sessions.ts";

/** The hooks a `--stdio` process's session runs (see SessionLimits). */
export interface StdioAdmission extends Disposable {
  /** The initiator's first message was a member's: counted, or refused `busy`. */
  onAdmitted(peer: DeviceKey): string | undefined;
  /** The member proved a live session: never evicted from now on. */
  onAuthenticated(): void;
  /** Aborted when a newer process evicted this one before it authenticated. */
  readonly evicted: AbortSignal;
}

/**
 * Live processes past which a new one evicts: {@link STDIO_EVICT_AT}, or
 * fewer when `MYCEL_STDIO_EVICT_AT` says so (tests; it can only lower it).
 */
export function evictAt(env: (name: string) => string | undefined): number {
  const n = Number(env("MYCEL_STDIO_EVICT_AT"));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, STDIO_EVICT_AT) : STDIO_EVICT_AT;
}

const NONE: StdioAdmission = {
  onAdmitted: () => undefined,
  onAuthenticated: () => {},
  evicted: new AbortController().signal,
  [Symbol.dispose]: () => {},
};

/**
 * Register this process (serving `remote`, from a source members used when
 * `known`) in the registry of the home at `root`, evicting as said above.
 */
export function admitStdio(o: {
  root: string;
  /** A secret of the home: names its registry so other users can't make it first. */
  secret: Uint8Array;
  remote: string;
  known: boolean;
  env: (name: string) => string | undefined;
  log: (line: string) => void;
}): StdioAdmission {
  const { root, secret, remote, known, env, log } = o;
  const note = (e: unknown) =>
    log(`note: connections not tracked across processes: ${(e as Error).message}`);
  let registry: StdioRegistry;
  let self: Omit<StdioEntry, "pid" | "start">;
  // Listened for before registering: a registered process is never
  // signalled without a listener (the signal's default would kill it).
  const evicted = new AbortController();
  let kept = false;
  const onEvict = () => {
    if (!kept) evicted.abort();
  };
  try {
    Deno.addSignalListener(EVICT_SIGNAL, onEvict);
  } catch (e) {
    note(e);
    return NONE;
  }
  const unlisten = () => {
    try {
      Deno.removeSignalListener(EVICT_SIGNAL, onEvict);
    } catch {
      // not listening
    }
  };
  try {
    registry = StdioRegistry.open(root, env, secret);
    self = { source: sourceOf(remote), since: Date.now(), standing: known ? "promoted" : "quiet" };
    registry.locked((view) => {
      const others = view.live.filter((e) => e.pid !== registry.pid);
      view.putSelf(self);
      // This one included, at most the threshold stay (if enough can go).
      for (const victim of evictionVictims(others, evictAt(env) - 1)) {
        if (view.terminate(victim)) {
          // Asked, not done: one that authenticates before it handles the
          // signal keeps its session.
          log(
            `busy: closing ${victim.source} (pid ${victim.pid}), not authenticated yet, ` +
              "for a newer connection",
          );
        }
      }
    });
  } catch (e) {
    unlisten();
    note(e);
    return NONE;
  }
  // A change to this process's entry; none once it was evicted (it is
  // exiting), unless `again`: an authenticated one stays, so it counts.
  const change = <T>(
    fields: Partial<typeof self>,
    decide: (live: StdioEntry[]) => T,
    again = false,
  ) => {
    try {
      return registry.locked((view) => {
        if (!view.hasSelf() && !again) return undefined;
        const verdict = decide(view.live);
        if (verdict === undefined) view.putSelf(self = { ...self, ...fields });
        return verdict;
      });
    } catch (e) {
      note(e);
      return undefined;
    }
  };
  return {
    onAdmitted: (peer) =>
      change({ standing: "promoted", device: peer.hex }, (live) => {
        // The listener's rule, counted over every process of the home.
        const sessions = new DeviceSessions();
        for (const e of live) {
          if (e.device === peer.hex && e.pid !== registry.pid) sessions.take(peer);
        }
        const taken = sessions.take(peer);
        return "busy" in taken ? taken.busy : undefined;
      }),
    onAuthenticated: () => {
      // Before the lock: an eviction decided while we waited for it finds
      // us authenticated when its signal is handled, and is ignored.
      if (evicted.signal.aborted) return;
      kept = true;
      change({ standing: "kept" }, () => undefined, true);
    },
    evicted: evicted.signal,
    [Symbol.dispose]: () => {
      try {
        registry[Symbol.dispose]();
      } catch (e) {
        note(e);
      } finally {
        unlisten();
      }
    },
  };
}
