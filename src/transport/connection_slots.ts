/**
 * @module connection_slots
 * Admission control for a listener that holds connections before they
 * authenticate: at most `maxTotal` at once, and at most `maxPerSource` from
 * one source address, so idle sockets from one address cannot hold every
 * slot (`sync serve --listen`, the pairing listener). A slot is taken when a
 * connection is accepted and released exactly once when it is done with.
 */

/** The source address of `remote` ("host:port", "[v6]:port"): the host part. */
export function sourceOf(remote: string): string {
  return remote.replace(/:\d+$/, "");
}

/** Slots for connections, in all and per source address. */
export class ConnectionSlots {
  #total = 0;
  readonly #bySource = new Map<string, number>();

  /** Limits: in all, and per source address. */
  constructor(readonly maxTotal: number, readonly maxPerSource: number) {}

  /** Connections holding a slot now. */
  get taken(): number {
    return this.#total;
  }

  /**
   * A slot for a connection from `remote`, or undefined when either limit is
   * reached. The returned function releases it (later calls do nothing).
   */
  take(remote: string): (() => void) | undefined {
    const source = sourceOf(remote);
    const n = this.#bySource.get(source) ?? 0;
    if (this.#total >= this.maxTotal || n >= this.maxPerSource) return undefined;
    this.#total++;
    this.#bySource.set(source, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#bySource.get(source) ?? 1) - 1;
      if (left > 0) this.#bySource.set(source, left);
      else this.#bySource.delete(source);
    };
  }
}
