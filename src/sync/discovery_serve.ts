/**
 * @module discovery_serve
 * Answering LAN discovery probes for a home (docs/discovery.md): beside a
 * foreground `sync serve --listen` ({@link answerWhileServing}, its own UDP
 * sockets, secrets re-read every minute so a rotation at a removal takes
 * effect), or socket-activated by the `mycel-discovery.socket` unit
 * ({@link answerStdio}: the datagrams systemd hands over on standard input).
 * An answer tells members this device's sync port; the connection that
 * follows is authenticated by Noise, so an answer changes nothing here.
 */

import { isMycelError } from "../errors.ts";
import { discoverySecrets } from "../mesh/discovery_key.ts";
import { syncPortOf } from "../mesh/self_endpoints.ts";
import { Home } from "../storage/home_handle.ts";
import type { Counters, DiscoveryIdentity } from "../transport/udp_socket.ts";
import { lazyImport } from "../lazy_import.ts";

/** What answering needs from the home. */
export interface HomeIdentity {
  /** Our identity for discovery. */
  identity: DiscoveryIdentity;
  /** The other members' device ids. */
  peers: string[];
}

/** Read the discovery identity of the home at `root`; `syncPort` overrides the recorded one. */
export async function homeIdentity(
  root: string,
  env: (name: string) => string | undefined,
  syncPort?: number,
): Promise<HomeIdentity> {
  using home = await Home.open(root, { write: false, env });
  const [secret, ...also] = discoverySecrets(home.view, home.meshId);
  const self = home.view.member(home.device)?.record;
  return {
    identity: {
      secret,
      also,
      deviceId: home.device.id,
      syncPort: syncPort ?? syncPortOf(self?.endpoints ?? []),
    },
    peers: home.view.members().filter((m) =>
      m.removed === undefined && m.record.key !== home.device
    )
      .map((m) => m.record.id),
  };
}

/** Options of the responders. */
export interface AnswerOptions {
  /** Environment (for opening the home). */
  env: (name: string) => string | undefined;
  /** One line per notable event. */
  log: (line: string) => void;
  /** Counted here when given. */
  counters?: Counters;
  /** UDP port (default 7850). */
  port?: number;
  /** Our sync port, when not the recorded endpoints' (socket activation: the unit's). */
  syncPort?: number;
}

/**
 * Answer probes until `signal` aborts, for a server accepting sync on
 * `syncPort`. When the port is held by another responder (the socket unit),
 * says so once and returns: that one answers.
 */
export async function answerWhileServing(
  root: string,
  syncPort: number,
  signal: AbortSignal,
  o: AnswerOptions,
): Promise<void> {
  const { respond } = await lazyImport<typeof import("../transport/udp_respond.ts")>(
    new URL("../transport/udp_respond.ts", import.meta.url),
  );
  const current = await homeIdentity(root, o.env, syncPort);
  const refresh = setInterval(async () => {
    try {
      const next = await homeIdentity(root, o.env, syncPort);
      Object.assign(current.identity, next.identity);
      current.peers.splice(0, current.peers.length, ...next.peers);
    } catch {
      // the home is busy or being repaired: keep the secrets we have
    }
  }, 60_000);
  try {
    await respond({
      identity: current.identity,
      peers: current.peers,
      signal,
      counters: o.counters,
      port: o.port,
      onListening: () => o.log("answering discovery probes on UDP " + (o.port ?? 7850)),
    });
  } catch (e) {
    if (!isMycelError(e, "port_in_use")) throw e;
    o.log(
      `discovery: UDP port ${o.port ?? 7850} is taken (by the mycel-discovery socket unit?), ` +
        "which answers probes; not answering here",
    );
  } finally {
    clearInterval(refresh);
  }
}

/** Socket activation: answer the probes on standard input until 10 quiet seconds; returns the count. */
export async function answerStdio(root: string, o: AnswerOptions): Promise<number> {
  const { respondStream } = await lazyImport<typeof import("../transport/udp_respond.ts")>(
    new URL("../transport/udp_respond.ts", import.meta.url),
  );
  const { identity, peers } = await homeIdentity(root, o.env, o.syncPort);
  return await respondStream({
    identity,
    peers,
    counters: o.counters,
    read: (b) => Deno.stdin.read(b),
  });
}
