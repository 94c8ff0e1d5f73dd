/**
 * @module read_buffer
 * The read-ahead buffer under {@link FrameConn}. Reading a frame's two header
 * bytes and then its body as separate calls would cost two system calls per
 * frame; reading into a buffer sized for two full frames usually gets both,
 * and often the next frame too. The buffer grows only when its owner says so
 * (an authenticated channel reads further ahead), never because of what a
 * peer sends, so a peer cannot make it allocate more.
 */

/** A fixed-size read-ahead buffer over some `read` function. */
export class ReadBuffer {
  #buf: Uint8Array;
  #start = 0;
  #end = 0;

  /** A buffer of `capacity` bytes; no frame may be larger. */
  constructor(capacity: number) {
    this.#buf = new Uint8Array(capacity);
  }

  /** Size of the buffer: the most bytes one read may bring. */
  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * Move to a buffer of `capacity` bytes (never smaller), keeping what is
   * unread. Views taken before stay as they were (they point into the old
   * buffer). Not while a `fill` runs.
   */
  widen(capacity: number): void {
    if (capacity <= this.#buf.length) return;
    const buf = new Uint8Array(capacity);
    buf.set(this.#buf.subarray(this.#start, this.#end));
    this.#end -= this.#start;
    this.#start = 0;
    this.#buf = buf;
  }

  /** Bytes read from the stream but not yet taken. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** The unread byte at `offset` (caller checks `buffered` first). */
  byteAt(offset: number): number {
    return this.#buf[this.#start + offset];
  }

  /** Skip `skip` bytes, then remove and return a copy of the next `length`. */
  take(skip: number, length: number): Uint8Array {
    return this.borrow(skip, length).slice();
  }

  /**
   * Like {@link take}, but a view of the buffer itself: valid only until the
   * next `fill`, for a caller that is done with it by then (no allocation).
   */
  borrow(skip: number, length: number): Uint8Array {
    const from = this.#start + skip;
    this.#start = from + length;
    return this.#buf.subarray(from, from + length);
  }

  /**
   * Call `read` until at least `need` bytes are buffered; false if it reports
   * end of stream first. `budget` is how many unread bytes the caller is still
   * willing to accept: reads ask for no more than that (but at least one byte,
   * so an end of stream is still noticed).
   */
  async fill(
    need: number,
    read: (view: Uint8Array) => Promise<number | null>,
    budget: number,
  ): Promise<boolean> {
    if (this.#start + need > this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    while (this.buffered < need) {
      const room = Math.max(1, Math.min(this.#buf.length - this.#end, budget - this.buffered));
      const n = await read(this.#buf.subarray(this.#end, this.#end + room));
      if (n === null) return false;
      this.#end += n;
    }
    return true;
  }
}
