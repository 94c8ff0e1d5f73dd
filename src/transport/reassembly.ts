/**
 * @module reassembly
 * Messages as `u32 big-endian length || bytes`, cut into pieces no larger
 * than a Noise transport message can carry, and glued back together on the
 * other side. The receiver must not assume the sender's cut points: a length
 * prefix may straddle two pieces and one piece may end one message and start
 * the next. The declared length is checked against the cap *before* anything
 * is allocated, so a four-byte lie cannot make us reserve 4 GiB.
 */

import { MycelError } from "../errors.ts";

/** Bytes of the length prefix in front of every message. */
export const LENGTH_PREFIX = 4;

/**
 * Cut `message` (with its length prefix) into pieces of at most `maxPiece`
 * bytes. Only the first piece is a copy; the rest are views of `message`.
 */
export function splitMessage(message: Uint8Array, maxPiece: number): Uint8Array[] {
  const head = Math.min(message.length, maxPiece - LENGTH_PREFIX);
  const first = new Uint8Array(LENGTH_PREFIX + head);
  new DataView(first.buffer).setUint32(0, message.length);
  first.set(message.subarray(0, head), LENGTH_PREFIX);
  const pieces: Uint8Array[] = [first];
  for (let off = head; off < message.length; off += maxPiece) {
    pieces.push(message.subarray(off, off + maxPiece));
  }
  return pieces;
}

/** The error for a message over the cap (sending or receiving). */
export function tooLargeMessage(action: string, length: number, max: number): MycelError {
  return new MycelError("message_too_large", action, `it is over the ${max}-byte limit`, {
    value: `${length} bytes`,
  });
}

/**
 * Rebuilds messages from pieces. Feed a piece with `push`, then call `next`
 * until it returns undefined before pushing the next piece.
 */
export class Reassembler {
  readonly #max: number;
  readonly #prefix = new Uint8Array(LENGTH_PREFIX);
  #prefixFill = 0;
  #body: Uint8Array | undefined;
  #bodyFill = 0;
  #piece: Uint8Array = new Uint8Array(0);
  #offset = 0;

  /** Refuse messages declaring more than `maxMessage` bytes. */
  constructor(maxMessage: number) {
    this.#max = maxMessage;
  }

  /** True between messages with nothing buffered: a clean place to stop. */
  get idle(): boolean {
    return this.#prefixFill === 0 && this.#body === undefined &&
      this.#offset === this.#piece.length;
  }

  /** Add the next piece; the previous one must be used up. */
  push(piece: Uint8Array): void {
    if (this.#offset !== this.#piece.length) throw new Error("push() before next() ran dry");
    this.#piece = piece;
    this.#offset = 0;
  }

  /**
   * The next complete message, or undefined when more pieces are needed.
   * Throws `message_too_large` as soon as a prefix over the cap is read.
   */
  next(): Uint8Array | undefined {
    const piece = this.#piece;
    while (this.#offset < piece.length) {
      if (this.#body === undefined) {
        const n = Math.min(LENGTH_PREFIX - this.#prefixFill, piece.length - this.#offset);
        this.#prefix.set(piece.subarray(this.#offset, this.#offset + n), this.#prefixFill);
        this.#prefixFill += n;
        this.#offset += n;
        if (this.#prefixFill < LENGTH_PREFIX) return undefined;
        const length = new DataView(this.#prefix.buffer).getUint32(0);
        if (length > this.#max) throw tooLargeMessage("receive message", length, this.#max);
        this.#prefixFill = 0;
        this.#body = new Uint8Array(length);
        this.#bodyFill = 0;
      }
      const body = this.#body;
      const n = Math.min(body.length - this.#bodyFill, piece.length - this.#offset);
      body.set(piece.subarray(this.#offset, this.#offset + n), this.#bodyFill);
      this.#bodyFill += n;
      this.#offset += n;
      if (this.#bodyFill === body.length) {
        this.#body = undefined;
        return body;
      }
    }
    return undefined;
  }
}
