/**
 * @module udp_discovery
 * LAN discovery over UDP, with no server (design and wire cost:
 * docs/discovery.md; packets: src/protocol/discovery.ts). The API the sync
 * round and `sync serve` call:
 * - {@link probe}: which known devices are on my links, at which address and
 *   sync port (udp_probe.ts);
 * - {@link respond}: answer probes until aborted, inside `sync serve
 *   --listen` (udp_respond.ts);
 * - {@link respondStream}: answer the probes of a socket-activated
 *   `mycel-discovery.socket` read from standard input, then exit.
 */

export { MAX_FOUND_PER_DEVICE, probe, type ProbeOptions } from "./udp_probe.ts";
export {
  MAX_ANSWERS_PER_SECOND,
  type ProbeSeen,
  respond,
  type RespondOptions,
  respondStream,
} from "./udp_respond.ts";
export type { CommonOptions, Counters, DiscoveryIdentity, Found } from "./udp_socket.ts";
export { discoveryTargets, type Target } from "./udp_targets.ts";
