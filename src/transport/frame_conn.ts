/**
 * @module frame_conn
 * Length-prefixed frames over a byte stream: a big-endian u16 length, then
 * that many bytes (0 to 65535, exactly the Noise message cap). The reader is
 * the first thing a stranger's bytes meet, so it trusts nothing: each
 * `readFrame` has a deadline, the whole connection has a byte budget, and any
 * failure closes the stream so a bad peer cannot hold it open.
 */

import { MycelError } from "../errors.ts";
import { type ByteStream, closeQuietly, writeAll } from "./byte_stream.ts";
import { checkTimeout, seconds, startTimer, timeoutError } from "../deadline.ts";
import { closedError, frameTooLargeError, ioError, overBudgetError } from "./io_errors.ts";
import { ReadBuffer } from "./read_buffer.ts";

// The session-wide deadline belongs with the frame reader's per-read ones.
export { withDeadline } from "../deadline.ts";

/** Largest frame body: what a u16 can say, and the Noise message cap. */
export const FRAME_MAX = 65535;

/** Default byte budget of one connection (see {@link FrameConnOptions.maxBytes}). */
export const FRAME_DEFAULT_BUDGET = 256 * 1024 * 1024;

const HEADER = 2;
// Room for two full frames, so a read-ahead rarely forces a compaction.
const CAPACITY = 2 * (HEADER + FRAME_MAX);

/** Options of a {@link FrameConn}. */
export interface FrameConnOptions {
  /** Most frame bytes (headers included) the connection may read in total. */
  maxBytes?: number;
  /** The peer's address, shown in error messages (e.g. `192.0.2.7:7420`). */
  peer?: string;
  /** How long a write may wait for the peer to take any data (default 30 s). */
  writeTimeoutMs?: number;
}

/**
 * Frames over a {@link ByteStream}. One reader at a time; writes are queued.
 *
 * ```ts
 * const conn = new FrameConn(await connectTcp("127.0.0.1", 7420, 5000));
 * await conn.writeFrame(hello);
 * const reply = await conn.readFrame(5000); // null: the peer hung up cleanly
 * conn.close();
 * ```
 */
export class FrameConn {
  /** The peer label given in the options, if any. */
  readonly peer?: string;
  readonly #stream: ByteStream;
  #maxBytes: number;
  readonly #writeTimeoutMs: number;
  readonly #buffer = new ReadBuffer(CAPACITY);
  #read = 0;
  #written = 0;
  #reading = false;
  #closed = false;
  #writes: Promise<unknown> = Promise.resolve();

  /** Wrap `stream`; the FrameConn now owns it and closes it. */
  constructor(stream: ByteStream, options: FrameConnOptions = {}) {
    this.#stream = stream;
    this.peer = options.peer;
    this.#maxBytes = options.maxBytes ?? FRAME_DEFAULT_BUDGET;
    if (!Number.isSafeInteger(this.#maxBytes) || this.#maxBytes < 0) {
      throw new RangeError(`maxBytes must be a whole number of bytes, got ${this.#maxBytes}`);
    }
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  }

  /** Frame bytes read so far, headers included. */
  get bytesRead(): number {
    return this.#read;
  }

  /**
   * Let the connection read `bytes` more than its budget: for a peer that
   * proved, once authenticated, that more is due (a pairing's state in
   * parts declares its size in its signed head).
   */
  allowMore(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`bytes must be a whole number of bytes, got ${bytes}`);
    }
    this.#maxBytes += bytes;
  }

  /** Frame bytes written so far, headers included. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** True while a read runs (there is one reader at a time). */
  get reading(): boolean {
    return this.#reading;
  }

  /** True once closed, by us or after a failure. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The next frame, or null if the peer ended the stream exactly between
   * frames. Rejects with `timeout` when the frame is not complete within
   * `timeoutMs`, `connection_closed` on a cut-off frame, `too_much_data` past
   * the byte budget; each of these closes the connection.
   */
  readFrame(timeoutMs: number): Promise<Uint8Array | null> {
    return this.#readFrame(timeoutMs, false);
  }

  /**
   * Like {@link readFrame}, but the frame is a view of the read buffer, valid
   * only until the next read: for a caller that consumes it at once (the
   * secure channel decrypts it), saving a copy of every frame.
   */
  async readFrameView(timeoutMs: number): Promise<Uint8Array | null> {
    return (await this.#readFrames(timeoutMs, true, 1))?.[0] ?? null;
  }

  /**
   * Like {@link readFrameView}, but also every further frame already complete
   * in the read buffer, up to `max` in all: one wait for a run of frames that
   * arrived together (a receiver behind a fast sender finds several). Views,
   * valid only until the next read; null as {@link readFrame}.
   */
  readFrameViews(timeoutMs: number, max: number): Promise<Uint8Array[] | null> {
    return this.#readFrames(timeoutMs, true, Math.max(1, max));
  }

  async #readFrame(timeoutMs: number, borrow: boolean): Promise<Uint8Array | null> {
    return (await this.#readFrames(timeoutMs, borrow, 1))?.[0] ?? null;
  }

  async #readFrames(
    timeoutMs: number,
    borrow: boolean,
    max: number,
  ): Promise<Uint8Array[] | null> {
    const action = "read from peer";
    if (this.#closed) throw closedError(action, "the connection was closed", this.peer);
    if (this.#reading) throw new MycelError("transport_state", action, "a read is already running");
    checkTimeout(timeoutMs, "read timeout");
    this.#reading = true;
    let got = 0;
    const timer = startTimer(timeoutMs, () => {
      const reason = got === 0
        ? `no data within ${seconds(timeoutMs)}`
        : `a frame was still incomplete after ${seconds(timeoutMs)} (${got} bytes came)`;
      return timeoutError(action, reason, this.peer);
    });
    const read = async (view: Uint8Array) => {
      const n = await Promise.race([this.#stream.read(view), timer.expired]);
      got += n ?? 0;
      return n;
    };
    const buffer = this.#buffer;
    try {
      const budget = this.#maxBytes - this.#read;
      if (!await buffer.fill(HEADER, read, budget)) {
        if (buffer.buffered === 0) return null;
        throw this.#cutOff(HEADER);
      }
      const length = (buffer.byteAt(0) << 8) | buffer.byteAt(1);
      if (HEADER + length > budget) throw overBudgetError(this.#maxBytes, this.peer);
      if (!await buffer.fill(HEADER + length, read, budget)) throw this.#cutOff(HEADER + length);
      this.#read += HEADER + length;
      const frames = [borrow ? buffer.borrow(HEADER, length) : buffer.take(HEADER, length)];
      // Frames already here whole come along; a partial one or one over the
      // budget waits for the next read (which then says why).
      while (frames.length < max && buffer.buffered >= HEADER) {
        const next = (buffer.byteAt(0) << 8) | buffer.byteAt(1);
        if (buffer.buffered < HEADER + next || HEADER + next > this.#maxBytes - this.#read) break;
        this.#read += HEADER + next;
        frames.push(buffer.borrow(HEADER, next));
      }
      return frames;
    } catch (error) {
      this.close();
      throw ioError(error, action, this.peer);
    } finally {
      timer.cancel();
      this.#reading = false;
    }
  }

  /**
   * Send one frame of at most {@link FRAME_MAX} bytes (`frame_too_large`
   * otherwise). Calls are sent in call order, never interleaved. `bytes` is
   * copied before this returns: the caller may reuse or free it at once.
   */
  writeFrame(bytes: Uint8Array): Promise<void> {
    return this.writeFrames([bytes]);
  }

  /**
   * Send several frames as one write (each at most {@link FRAME_MAX} bytes,
   * else `frame_too_large` and nothing is sent): a message cut into frames
   * costs one system call, not one per frame. Copied before this returns.
   */
  writeFrames(frames: readonly Uint8Array[]): Promise<void> {
    let total = 0;
    for (const bytes of frames) {
      if (bytes.length > FRAME_MAX) {
        return Promise.reject(frameTooLargeError(bytes.length, FRAME_MAX));
      }
      total += HEADER + bytes.length;
    }
    const wire = new Uint8Array(total);
    let at = 0;
    for (const bytes of frames) {
      wire[at] = bytes.length >> 8;
      wire[at + 1] = bytes.length & 0xff;
      wire.set(bytes, at + HEADER);
      at += HEADER + bytes.length;
    }
    const run = this.#writes.then(() => this.#writeAll(wire));
    this.#writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Lay out frames with bodies of `lengths` bytes in `wire` (from its start,
   * which must hold {@link FrameConn.wireLength} of them): the headers are
   * written, and the views returned are where the bodies go. For a sender
   * that makes each body in place (the secure channel encrypts into them),
   * then sends `wire` with {@link writeLaid}: no copy of each frame.
   * @throws MycelError `frame_too_large` for a length over {@link FRAME_MAX}
   */
  static layFrames(wire: Uint8Array, lengths: readonly number[]): Uint8Array[] {
    const bodies: Uint8Array[] = [];
    let at = 0;
    for (const length of lengths) {
      if (length > FRAME_MAX) throw frameTooLargeError(length, FRAME_MAX);
      wire[at] = length >> 8;
      wire[at + 1] = length & 0xff;
      bodies.push(wire.subarray(at + HEADER, at + HEADER + length));
      at += HEADER + length;
    }
    return bodies;
  }

  /** Bytes that frames with bodies of `lengths` bytes take on the wire. */
  static wireLength(lengths: readonly number[]): number {
    let total = 0;
    for (const length of lengths) total += HEADER + length;
    return total;
  }

  /**
   * Send frames laid out by {@link FrameConn.layFrames} as one write, queued
   * like {@link writeFrames}. Not copied: leave `wire` unchanged until this
   * settles.
   */
  writeLaid(wire: Uint8Array): Promise<void> {
    const run = this.#writes.then(() => this.#writeAll(wire));
    this.#writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Read up to `frames` full frames ahead from now on (never fewer than two):
   * for a channel whose peer has proved who it is, so a stream of frames
   * costs one read and one wake-up per run of them rather than per frame.
   * Not while a read runs.
   */
  readAhead(frames: number): void {
    if (this.#reading) throw new MycelError("transport_state", "widen reads", "a read is running");
    this.#buffer.widen(frames * (HEADER + FRAME_MAX));
  }

  /** Close the stream. Safe to call more than once; pending reads then fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#stream);
  }

  #cutOff(need: number): MycelError {
    const reason = `the peer closed the connection in the middle of a frame ` +
      `(${this.#buffer.buffered} of ${need} bytes)`;
    return closedError("read from peer", reason, this.peer);
  }

  async #writeAll(frame: Uint8Array): Promise<void> {
    if (this.#closed) throw closedError("write to peer", "the connection was closed", this.peer);
    try {
      await writeAll(this.#stream, frame, this.#writeTimeoutMs, this.peer);
      this.#written += frame.length;
    } catch (error) {
      this.close();
      throw error;
    }
  }
}
