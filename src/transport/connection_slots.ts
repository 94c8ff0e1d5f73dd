/**
 * @module connection_slots
 * Admission control for a listener that holds connections before they
 * authenticate: at most `maxTotal` at once, and at most `maxPerSource` from
 * one source address, so idle sockets from one address cannot hold every
 * slot (`sync serve --listen`, the pairing listener). A slot is taken when a
 * connection is accepted and released exactly once when it is done with.
 *
 * Slots full, a connection that can be evicted (the caller says how) and
 * has not proved itself yet (authenticated, or, at a pairing listener, sent
 * its first Noise message: {@link Slot.keep}) gives its slot to a new one, the
 * oldest first. Without that, a stranger with many source addresses (an
 * IPv6 /64) held every slot with idle sockets for the whole
 * pre-authentication deadline, again and again, and no member or joiner got
 * in. Now it has to open connections faster than a member's handshake and
 * first message complete (a joiner's first Noise message follows the
 * inviter's CPace answer by one round trip).
 *
 * Such a flood evicted a member too: its connection was the newest, so
 * the flood's next 32 evicted it before its handshake was through. A
 * connection the caller {@link Slot.promote}s (at a sync listener: from a
 * source members used, known_sources.ts, or whose first handshake message
 * was a member's, not taken before) is evicted only when none that was not
 * is left. That order is eviction_order.ts's, the one the `--stdio`
 * processes of a home follow too (src/sync/stdio_admission.ts).
 */

import { formatIpv4, formatIpv6, parseIpv6 } from "../ip.ts";
import { evictionOrder, type Standing } from "./eviction_order.ts";

/**
 * The source address of `remote` ("host:port", "[v6]:port"): the host part,
 * one spelling per host. An IPv4-mapped IPv6 address (how a listener on
 * [::] sees an IPv4 caller) is its IPv4 address, so it counts as the same
 * source however it came, and matches bookkeeping's plain addresses.
 */
export function sourceOf(remote: string): string {
  const host = remote.replace(/:\d+$/, "");
  const v6 = ipv6Of(host);
  if (v6 === undefined) return host;
  if (v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return formatIpv4(((v6[12] << 24) | (v6[13] << 16) | (v6[14] << 8) | v6[15]) >>> 0);
  }
  return `[${formatIpv6(v6)}]`;
}

/** The 16 bytes of a bracketed IPv6 host ("[fd00::1]"), or undefined. */
export function ipv6Of(host: string): Uint8Array | undefined {
  if (!host.startsWith("[") || !host.endsWith("]")) return undefined;
  try {
    return parseIpv6(host.slice(1, -1));
  } catch {
    return undefined; // a zone id, say: kept as it is
  }
}

/** A connection's slot. */
export interface Slot {
  /** Give the slot back (later calls do nothing). */
  release(): void;
  /**
   * The connection is past where it may be evicted: authenticated (a sync
   * session), or, at a pairing listener, it sent its first Noise message.
   */
  keep(): void;
  /**
   * The connection showed it is more than an idle socket: at a sync
   * listener, a member's fresh first handshake message (admitted, not a
   * replay). Still evictable, but only once no connection that has shown
   * nothing is left.
   */
  promote(): void;
}

interface Slotted {
  standing: Standing;
  readonly since: number;
  readonly evict: () => void;
  release(): void;
}

/** Slots for connections, in all and per source address. */
export class ConnectionSlots {
  #total = 0;
  readonly #bySource = new Map<string, number>();
  /** Every slot taken, for the eviction rule (eviction_order.ts). */
  readonly #held = new Set<Slotted>();
  #taken = 0;

  /** Limits: in all, and per source address. */
  constructor(readonly maxTotal: number, readonly maxPerSource: number) {}

  /** Connections holding a slot now. */
  get taken(): number {
    return this.#total;
  }

  /**
   * A slot for a connection from `remote`, or undefined when its source is
   * at its limit, or every slot is taken and none can be evicted. `evict`
   * closes this connection should a newer one need its slot before it
   * authenticates (without it, the slot is never taken back).
   */
  take(remote: string, evict?: () => void): Slot | undefined {
    const source = sourceOf(remote);
    const n = this.#bySource.get(source) ?? 0;
    if (n >= this.maxPerSource) return undefined;
    if (this.#total >= this.maxTotal) {
      const oldest = evictionOrder([...this.#held])[0];
      if (oldest === undefined) return undefined;
      oldest.release();
      oldest.evict();
    }
    this.#total++;
    this.#bySource.set(source, (this.#bySource.get(source) ?? 0) + 1);
    let released = false;
    // Without a way to evict it, a slot is never taken back.
    const held: Slotted = {
      standing: evict === undefined ? "kept" : "quiet",
      since: this.#taken++,
      evict: evict ?? (() => {}),
      release: () => {
        if (released) return;
        released = true;
        this.#held.delete(held);
        this.#total--;
        const left = (this.#bySource.get(source) ?? 1) - 1;
        if (left > 0) this.#bySource.set(source, left);
        else this.#bySource.delete(source);
      },
    };
    this.#held.add(held);
    return {
      release: held.release,
      keep: () => {
        held.standing = "kept";
      },
      promote: () => {
        if (held.standing === "quiet") held.standing = "promoted";
      },
    };
  }
}
