/**
 * @module known_sources
 * Source addresses (host parts, connection_slots.ts `sourceOf`; an IPv6
 * one's /64) that members proved live sessions from: the peers' last
 * addresses in the home's bookkeeping, and every source this listener saw a
 * member's `hi` from. A listener full of connections that have not
 * authenticated evicts those from other sources first, so a flood from
 * addresses no member used can no longer evict a member dialling from its
 * usual one before its handshake is through (it had to outrun the flood's
 * 32 new connections before).
 *
 * An ordering only: a connection from a known source is still evicted when
 * every other evictable one is too, and it proves nothing (a stranger behind
 * a member's NAT shares its address, one on its IPv6 network its /64, and
 * gets no more than that rank). Bounded by {@link MAX_KNOWN}, the oldest
 * forgotten first.
 */

import { formatIpv6 } from "../ip.ts";
import { ipv6Of, sourceOf } from "./connection_slots.ts";

/**
 * What a source is known by: its address, or an IPv6 one's /64. A member
 * with IPv6 temporary addresses (RFC 8981, the default on desktops and
 * phones) dials from a new one in its network's /64 every day or so; the
 * /64 is what an IPv4 member's NAT address is, shared with its network.
 */
function keyOf(remote: string): string {
  const source = sourceOf(remote);
  const v6 = ipv6Of(source);
  if (v6 === undefined) return source;
  v6.fill(0, 8);
  return `[${formatIpv6(v6)}]/64`;
}

/** Sources kept (a member's home, office, phone network: a handful each). */
export const MAX_KNOWN = 1_024;

/** Where members have connected from. */
export class KnownSources {
  /** Insertion order is age: a source seen again moves to the end. */
  readonly #sources = new Set<string>();

  /** Seeded with `addresses` ("host:port", as bookkeeping keeps them; "" skipped). */
  constructor(addresses: Iterable<string> = []) {
    for (const a of addresses) if (a !== "") this.add(a);
  }

  /** A member proved a live session from `remote` ("host:port"). */
  add(remote: string): void {
    const source = keyOf(remote);
    this.#sources.delete(source);
    this.#sources.add(source);
    if (this.#sources.size > MAX_KNOWN) {
      this.#sources.delete(this.#sources.values().next().value!);
    }
  }

  /** Whether a member proved a session from `remote`'s source. */
  has(remote: string): boolean {
    return this.#sources.has(keyOf(remote));
  }
}
