/**
 * @module wait_queue
 * A first-in first-out queue a consumer can wait on with a deadline: what
 * the pairing listener hands the inviter (connections that presented a
 * frame, then connections whose opening is done). Closing wakes a waiting
 * consumer and gives back what was still queued, for its owner to close.
 */

/** Items queued in arrival order; one consumer waits on {@link next}. */
export class WaitQueue<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queue `item`; false (not queued) once closed. */
  push(item: T): boolean {
    if (this.#closed) return false;
    this.#items.push(item);
    this.#wake?.();
    return true;
  }

  /** The oldest item, waiting up to `ms` for one; null at the deadline or once closed. */
  async next(ms: number): Promise<T | null> {
    const end = performance.now() + ms;
    while (!this.#closed) {
      const got = this.#items.shift();
      if (got !== undefined) return got;
      const left = end - performance.now();
      if (left <= 0) return null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#wake = undefined;
    }
    return null;
  }

  /** Close: wakes the consumer; returns what was queued (and is no longer). */
  close(): T[] {
    this.#closed = true;
    this.#wake?.();
    return this.#items.splice(0);
  }
}
