/**
 * @module serve
 * Answering sync connections: one connection on stdin/stdout (inetd, systemd
 * `Accept=yes`), or a foreground TCP listener handling connections
 * concurrently until SIGINT/SIGTERM. Each connection runs its session without
 * the lock, under a deadline, then stores what it received in a short locked
 * phase — so a slow or hostile client can never hold the lock.
 */

import { shortDeviceId } from "../log/device_id.ts";
import { Store } from "../storage/store.ts";
import type { ByteStream } from "../transport/byte_stream.ts";
import { listenTcp } from "../transport/tcp_listener.ts";
import { type AppliedOutcome, applyOutcomes } from "./apply.ts";
import { respondSession, type SessionLimits, type SessionOutcome } from "./peer_session.ts";

/** Options of the responder. */
export interface ServeOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment (MYCEL_PASSPHRASE). */
  env: (name: string) => string | undefined;
  /** Session limits. */
  limits: SessionLimits;
  /** One line per connection (what happened). */
  log: (line: string) => void;
}

/** One line describing a served session. */
export function describeServed(o: AppliedOutcome): string {
  const who = o.peer
    ? `${o.name || "device"} (${shortDeviceId(o.peer)})`
    : (o.address ?? "unknown peer");
  const forks = o.ingest?.forks.length
    ? ` · fork detected in ${o.ingest.forks.length} log(s), see status`
    : "";
  if (o.status === "synced") {
    return `synced with ${who}: sent ${o.sent}, received ${o.received}${forks}`;
  }
  return `${o.status} ${who}: ${o.error ?? ""}`;
}

/** Serve one session on `stream` for the home at `root`. */
export async function serveOne(
  root: string,
  stream: ByteStream,
  meta: { path: string; address: string },
  options: ServeOptions,
): Promise<AppliedOutcome> {
  const view = await Store.open(root, { write: false, now: options.now, env: options.env });
  const keys = await view.keys();
  let applied: AppliedOutcome | undefined;
  // Store under the lock (briefly), before the initiator is told "stored".
  const keep = async (o: SessionOutcome) => {
    applied = await storeOutcome(root, o, options);
    return { accepted: applied.received, refused: applied.ingest?.refused.length ?? 0 };
  };
  const outcome = await respondSession(view, keys, stream, meta, options.limits, keep);
  // Failures and refusals still get their bookkeeping; a session that failed
  // after storing (e.g. the ack could not be sent) keeps what it stored.
  const result = applied === undefined
    ? await storeOutcome(root, outcome, options)
    : applied.status !== "synced"
    ? applied
    : { ...applied, status: outcome.status, error: outcome.error };
  options.log(describeServed(result));
  return result;
}

async function storeOutcome(
  root: string,
  o: SessionOutcome,
  options: ServeOptions,
): Promise<AppliedOutcome> {
  const store = await Store.open(root, { write: true, now: options.now, env: options.env });
  try {
    const [applied] = await applyOutcomes(store, [o]);
    await store.save();
    return applied;
  } finally {
    store.close();
  }
}

/** Most connections served at once by the listener. */
export const MAX_CONCURRENT = 16;

/** Listen on `host:port` until `signal` aborts; returns when stopped. */
export async function serveListen(
  root: string,
  host: string,
  port: number,
  signal: AbortSignal,
  options: ServeOptions & { onListening?: (port: number) => void },
): Promise<void> {
  const listener = listenTcp(host, port);
  options.onListening?.(listener.port);
  const stop = () => listener.close();
  signal.addEventListener("abort", stop, { once: true });
  const running = new Set<Promise<unknown>>();
  try {
    for await (const conn of listener) {
      if (running.size >= MAX_CONCURRENT) {
        options.log(`busy: refused a connection from ${conn.remote}`);
        conn.close();
        continue;
      }
      const task = serveOne(root, conn, { path: "tcp", address: conn.remote }, options)
        .catch((e) => options.log(`error: ${(e as Error).message}`))
        .finally(() => running.delete(task));
      running.add(task);
    }
  } finally {
    signal.removeEventListener("abort", stop);
    listener.close();
    await Promise.allSettled([...running]);
  }
}
