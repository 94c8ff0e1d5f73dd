/**
 * @module udp_socket
 * What the discovery roles share: who this device is, what was found,
 * counters for the wire cost, and UDP sockets (node:dgram, which Deno runs
 * without unstable flags) that never crash the process on a failed send.
 */

import dgram from "node:dgram";
import { NONCE_BYTES } from "../protocol/discovery.ts";
import type { Target } from "./udp_targets.ts";

/** Who this device is, for discovery. */
export interface DiscoveryIdentity {
  /** The mesh-wide discovery secret (docs/discovery.md says where it comes from). */
  secret: Uint8Array;
  /** Other secrets whose probes are answered too (under the secret they came with). */
  also?: readonly Uint8Array[];
  /** This device's id. */
  deviceId: string;
  /** TCP port this device accepts sync on (0: none). */
  syncPort: number;
}

/** A device found on the link. */
export interface Found {
  /** Its device id. */
  deviceId: string;
  /** Address its packet came from (IPv6 link-local with `%zone` when known). */
  host: string;
  /** Its sync port. */
  port: number;
}

/** Packets and bytes (UDP payload) a role sent and received, for docs/benchmarks. */
export interface Counters {
  /** Datagrams sent. */
  sent: number;
  /** Payload bytes sent. */
  sentBytes: number;
  /** Datagrams received. */
  received: number;
}

/** Common options. */
export interface CommonOptions {
  /** Who we are. */
  identity: DiscoveryIdentity;
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
  /** Where probes (or socket-activated answers) go (default: every link, see udp_targets.ts). */
  targets?: Target[];
  /** Counted here when given. */
  counters?: Counters;
}

/** A UDP socket bound to `port` on all addresses of one family (IPv4 with broadcast on). */
export function socket(type: "udp4" | "udp6", port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({
      type,

      ...(type === "udp6" ? { ipv6Only: true } : {}),
    });
    s.once("error", reject);
    s.bind(port, type === "udp4" ? "0.0.0.0" : "::", () => {
      s.off("error", reject);
      s.on("error", () => {}); // a send to an unreachable link must not crash the process
      if (type === "udp4") s.setBroadcast(true);
      resolve(s);
    });
  });
}

/** Send one datagram; failures are ignored (a link may be down), successes counted. */
export function send(
  s: dgram.Socket,
  bytes: Uint8Array,
  host: string,
  port: number,
  c?: Counters,
): Promise<void> {
  return new Promise((resolve) => {
    s.send(bytes, port, host, (err) => {
      if (!err && c) {
        c.sent++;
        c.sentBytes += bytes.length;
      }
      resolve();
    });
  });
}

/** A fresh random nonce. */
export function nonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}
