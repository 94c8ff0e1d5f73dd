/**
 * @module message_assembler
 * Application messages over Noise transport frames. Decrypted frames form a
 * byte stream of messages, each `u32 big-endian length || bytes`; frame and
 * message boundaries are unrelated (a message may span frames, a frame may
 * hold several messages, a length prefix may be split). The
 * {@link MessageAssembler} rebuilds messages from frames, and
 * {@link frameMessage} / {@link splitForTransport} do the opposite.
 *
 * Each declared length is checked as soon as its 4 bytes arrive, so a peer
 * cannot make us buffer a message we would refuse anyway.
 */

import { concatBytes } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { MAX_SYNC_MESSAGE } from "./sync_fields.ts";

/** Largest Noise transport plaintext (65535-byte message minus the 16-byte tag). */
export const MAX_TRANSPORT_PLAINTEXT = 65519;

function tooLarge(length: number, max: number): MycelError {
  return new MycelError(
    "message_too_large",
    "read sync message",
    `the peer announced a message over the ${max}-byte limit`,
    { value: `${length} bytes` },
  );
}

/** Rebuilds length-prefixed messages from decrypted transport frames. */
export class MessageAssembler {
  readonly #max: number;
  #buf = new Uint8Array(0);
  #start = 0; // first byte not yet returned
  #end = 0; // one past the last byte pushed
  #scan = 0; // next length prefix not yet checked
  #failed: MycelError | undefined;

  /**
   * An empty assembler.
   * @param max largest message accepted, in bytes (without the prefix)
   */
  constructor(max: number = MAX_SYNC_MESSAGE) {
    if (!Number.isSafeInteger(max) || max < 0 || max > 0xffffffff) {
      throw new MycelError("internal", "assemble sync messages", "max must fit in a u32", {
        value: max,
      });
    }
    this.#max = max;
  }

  /** Bytes received but not yet returned by {@link next}. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /**
   * Feed one decrypted frame (copied; the caller may reuse it).
   * @throws MycelError `message_too_large` when a declared length is over the
   * limit; the stream is then unusable and every later call throws too.
   */
  push(plaintext: Uint8Array): void {
    if (this.#failed) throw this.#failed;
    this.#reserve(plaintext.length);
    this.#buf.set(plaintext, this.#end);
    this.#end += plaintext.length;
    // Check every prefix now complete, not just the first: oversize fails fast.
    while (this.#scan + 4 <= this.#end) {
      const length = this.#lengthAt(this.#scan);
      if (length > this.#max) {
        this.#failed = tooLarge(length, this.#max);
        this.#buf = new Uint8Array(0);
        this.#start = this.#end = this.#scan = 0;
        throw this.#failed;
      }
      this.#scan += 4 + length;
    }
  }

  /** The next complete message, or undefined until more frames arrive. */
  next(): Uint8Array | undefined {
    const view = this.#take();
    if (view === undefined) return undefined;
    const message = view.slice();
    // Drained: drop a buffer a big message left behind.
    if (this.#end === 0 && this.#buf.length > 1 << 20) this.#buf = new Uint8Array(0);
    return message;
  }

  /**
   * Like {@link next}, but a view of the assembler's own buffer, valid only
   * until the next `push`: for a reader done with each message before it
   * reads the next. The buffer is kept (at most about twice the largest
   * message seen), so a stream of large messages allocates nothing per message.
   */
  nextView(): Uint8Array | undefined {
    return this.#take();
  }

  #take(): Uint8Array | undefined {
    if (this.#failed) throw this.#failed;
    if (this.#end - this.#start < 4) return undefined;
    const length = this.#lengthAt(this.#start);
    const from = this.#start + 4;
    if (this.#end - from < length) return undefined;
    const message = this.#buf.subarray(from, from + length);
    this.#start = from + length;
    if (this.#start === this.#end) {
      // Drained: rewind for free.
      this.#scan -= this.#start;
      this.#start = this.#end = 0;
    }
    return message;
  }

  #lengthAt(i: number): number {
    const b = this.#buf;
    return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  }

  // Room for `n` more bytes: slide unread bytes to the front, or grow. Sliding
  // only into a buffer that stays at least half free keeps copies amortized
  // O(1) per byte, whatever the mix of frame and message sizes.
  #reserve(n: number): void {
    if (this.#end + n <= this.#buf.length) return;
    const live = this.#end - this.#start;
    const target = live + n;
    const buf = target * 2 <= this.#buf.length
      ? this.#buf
      : new Uint8Array(Math.max(target * 2, 1024));
    if (buf === this.#buf) buf.copyWithin(0, this.#start, this.#end);
    else buf.set(this.#buf.subarray(this.#start, this.#end), 0);
    this.#buf = buf;
    this.#scan -= this.#start;
    this.#end = live;
    this.#start = 0;
  }
}

/**
 * Prefix a message with its u32 big-endian length.
 * @throws MycelError `message_too_large` when `message` is over `max`
 */
export function frameMessage(message: Uint8Array, max: number = MAX_SYNC_MESSAGE): Uint8Array {
  if (message.length > max) {
    throw new MycelError("message_too_large", "send sync message", `it is over ${max} bytes`, {
      value: `${message.length} bytes`,
    });
  }
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, message.length);
  return concatBytes(prefix, message);
}

/**
 * The transport plaintexts of one message given in `parts` (their
 * concatenation): the same pieces as `splitForTransport(frameMessage(...))`,
 * byte for byte, but a piece that lies inside one part is a view of it; only
 * a piece that spans parts (the length prefix with the start, a head with
 * the bytes after it) is copied. Saves copying a whole message to prefix it.
 * @throws MycelError `message_too_large` when the parts are over `max` in all
 */
export function framedPieces(
  parts: readonly Uint8Array[],
  max: number = MAX_SYNC_MESSAGE,
  chunk: number = MAX_TRANSPORT_PLAINTEXT,
): Uint8Array[] {
  let total = 0;
  for (const p of parts) total += p.length;
  if (total > max) {
    throw new MycelError("message_too_large", "send sync message", `it is over ${max} bytes`, {
      value: `${total} bytes`,
    });
  }
  const prefix = new Uint8Array(4);
  new DataView(prefix.buffer).setUint32(0, total);
  const out: Uint8Array[] = [];
  let open: Uint8Array[] = [], filled = 0;
  for (const part of [prefix, ...parts]) {
    for (let at = 0; at < part.length;) {
      const take = Math.min(chunk - filled, part.length - at);
      if (filled === 0 && take === chunk) out.push(part.subarray(at, at + take));
      else {
        open.push(part.subarray(at, at + take));
        filled += take;
        if (filled === chunk) {
          out.push(concatBytes(...open));
          open = [];
          filled = 0;
        }
      }
      at += take;
    }
  }
  if (filled > 0) out.push(open.length === 1 ? open[0] : concatBytes(...open));
  return out;
}

/** Cut a byte stream into transport plaintexts of at most `chunk` bytes (views, not copies). */
export function splitForTransport(
  bytes: Uint8Array,
  chunk: number = MAX_TRANSPORT_PLAINTEXT,
): Uint8Array[] {
  if (!Number.isSafeInteger(chunk) || chunk < 1 || chunk > MAX_TRANSPORT_PLAINTEXT) {
    throw new MycelError("internal", "split sync stream", "chunk must be 1–65519 bytes", {
      value: chunk,
    });
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) out.push(bytes.subarray(i, i + chunk));
  return out;
}
