/**
 * @module known_sources
 * Source addresses (host parts, connection_slots.ts `sourceOf`) that members
 * proved live sessions from: the peers' last addresses in the home's
 * bookkeeping, and every source this listener saw a member's `hi` from. A
 * listener full of connections that have not authenticated evicts those
 * from other sources first, so a flood from addresses no member used can no
 * longer evict a member dialling from its usual one before its handshake is
 * through (it had to outrun the flood's 32 new connections before).
 *
 * An ordering only: a connection from a known source is still evicted when
 * every other evictable one is too, and it proves nothing (a stranger behind
 * a member's NAT shares its address, and gets no more than that rank).
 * Bounded by {@link MAX_KNOWN}, the oldest forgotten first.
 */

import { sourceOf } from "./connection_slots.ts";

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
    const source = sourceOf(remote);
    this.#sources.delete(source);
    this.#sources.add(source);
    if (this.#sources.size > MAX_KNOWN) {
      this.#sources.delete(this.#sources.values().next().value!);
    }
  }

  /** Whether a member proved a session from `remote`'s source. */
  has(remote: string): boolean {
    return this.#sources.has(sourceOf(remote));
  }
}
