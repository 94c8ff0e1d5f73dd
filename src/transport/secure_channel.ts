/**
 * @module secure_channel
 * Application messages over a finished Noise handshake. A message of any size
 * up to the cap travels as `u32 length || bytes`, cut into Noise transport
 * messages of at most 65519 plaintext bytes, each encrypted and sent as one
 * frame. Any failure (a forged or reordered frame, an oversize message, a
 * deadline) closes the channel: after it the two cipher states no longer
 * agree, so there is nothing safe left to do with the connection.
 */

import type { Handshake, TransportCiphers } from "../crypto/noise.ts";
import { NOISE_MAX_PLAINTEXT, NOISE_TAG_LENGTH } from "../crypto/noise.ts";
import { freeNow } from "../bytes.ts";
import { isMycelError, MycelError } from "../errors.ts";
import { FrameConn } from "./frame_conn.ts";
import { checkTimeout, seconds, timeoutError } from "../deadline.ts";
import { closedError } from "./io_errors.ts";
import { framedPieces, MessageAssembler } from "../protocol/message_assembler.ts";

/** Largest wire buffer a channel keeps between messages (bytes): file answers fit. */
const KEEP_WIRE = 4 << 20;

/** Most frames decrypted in one step (1 MiB of plaintext). */
const READ_BATCH = 16;

/** Default cap on one message, either way: 4 MiB. */
export const DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

/** Options of a {@link SecureChannel}. */
export interface SecureChannelOptions {
  /** Largest message sent or accepted, in bytes (default {@link DEFAULT_MAX_MESSAGE}). */
  maxMessage?: number;
}

/** What the channel keeps from the handshake besides the ciphers. */
export interface ChannelIdentity {
  /** The peer's static public key, if the pattern has one. */
  remoteStatic?: Uint8Array;
  /** The handshake hash h, for channel binding. */
  handshakeHash: Uint8Array;
}

/**
 * An encrypted, authenticated message channel.
 *
 * ```ts
 * const channel = SecureChannel.fromHandshake(conn, hs);
 * await channel.send(request);
 * const reply = await channel.receive(10_000); // null: the peer hung up cleanly
 * channel.close();
 * ```
 */
export class SecureChannel {
  /** Largest message this channel sends or accepts. */
  readonly maxMessage: number;
  readonly #conn: FrameConn;
  readonly #ciphers: TransportCiphers;
  readonly #identity: ChannelIdentity;
  readonly #assembler: MessageAssembler;
  #sends: Promise<unknown> = Promise.resolve();
  /** Wire bytes of the message being sent, kept for the next up to {@link KEEP_WIRE}. */
  #wire = new Uint8Array(0);
  #receiving = false;
  #sent = 0;
  #received = 0;

  /** Take over `conn` (the channel closes it) with the split `ciphers`. */
  constructor(
    conn: FrameConn,
    ciphers: TransportCiphers,
    identity: ChannelIdentity,
    options: SecureChannelOptions = {},
  ) {
    this.maxMessage = options.maxMessage ?? DEFAULT_MAX_MESSAGE;
    if (!Number.isInteger(this.maxMessage) || this.maxMessage < 0 || this.maxMessage >= 2 ** 32) {
      throw new RangeError("maxMessage must be an integer below 2^32");
    }
    this.#conn = conn;
    this.#ciphers = ciphers;
    this.#identity = {
      remoteStatic: identity.remoteStatic && new Uint8Array(identity.remoteStatic),
      handshakeHash: new Uint8Array(identity.handshakeHash),
    };
    this.#assembler = new MessageAssembler(this.maxMessage);
  }

  /** Split the completed handshake `hs` and build the channel over `conn`. */
  static fromHandshake(
    conn: FrameConn,
    hs: Handshake,
    options: SecureChannelOptions = {},
  ): SecureChannel {
    const identity = { remoteStatic: hs.remoteStatic, handshakeHash: hs.handshakeHash };
    return new SecureChannel(conn, hs.split(), identity, options);
  }

  /** The peer's static public key (a copy), if the pattern carried one. */
  get remoteStatic(): Uint8Array | undefined {
    return this.#identity.remoteStatic && new Uint8Array(this.#identity.remoteStatic);
  }

  /** The handshake hash (a copy): equal on both ends of the same session. */
  get handshakeHash(): Uint8Array {
    return new Uint8Array(this.#identity.handshakeHash);
  }

  /** Where the peer is (an address, for error values), if known. */
  get peer(): string | undefined {
    return this.#conn.peer;
  }

  /** Wire bytes sent through the channel (frame headers and tags included). */
  get bytesSent(): number {
    return this.#sent;
  }

  /** Wire bytes received through the channel (frame headers and tags included). */
  get bytesReceived(): number {
    return this.#received;
  }

  /**
   * Let the connection read `bytes` more than its budget (FrameConn
   * `allowMore`): for a peer that proved, authenticated, that more is due
   * (a checkpoint in parts declares its size in its signed head).
   */
  allowMore(bytes: number): void {
    this.#conn.allowMore(bytes);
  }

  /** True once the channel (or its connection) is closed. */
  get closed(): boolean {
    return this.#conn.closed;
  }

  /**
   * Send one message (`message_too_large` over the cap): its bytes, or parts
   * sent as their concatenation (not copied into one buffer first). Messages
   * go out whole and in call order. Do not modify `message` until this settles.
   */
  send(message: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const length = message instanceof Uint8Array
      ? message.length
      : message.reduce((n, p) => n + p.length, 0);
    if (length > this.maxMessage) {
      return Promise.reject(
        new MycelError(
          "message_too_large",
          "send message",
          `it is over the ${this.maxMessage}-byte limit`,
          {
            value: `${length} bytes`,
          },
        ),
      );
    }
    const run = this.#sends.then(() => this.#sendNow(message));
    this.#sends = run.catch(() => undefined);
    return run;
  }

  /**
   * The next message, or null when the peer closed the connection between
   * messages. The whole message must arrive within `timeoutMs`. Rejects with
   * `timeout`, `connection_closed`, `noise_decrypt` or `message_too_large`,
   * and closes the channel when it does.
   */
  receive(timeoutMs: number): Promise<Uint8Array | null> {
    return this.#receive(timeoutMs, false);
  }

  /**
   * Like {@link receive}, but the message is a view of the channel's buffer,
   * valid only until the next receive: for a reader done with each message
   * before it asks for the next (the file phase's chunks), so a stream of
   * large messages does not allocate one buffer per message.
   */
  receiveView(timeoutMs: number): Promise<Uint8Array | null> {
    return this.#receive(timeoutMs, true);
  }

  async #receive(timeoutMs: number, borrow: boolean): Promise<Uint8Array | null> {
    const action = "receive message";
    if (this.closed) throw closedError(action, "the channel was closed", this.#conn.peer);
    if (this.#receiving) {
      throw new MycelError("transport_state", action, "a receive is already running");
    }
    checkTimeout(timeoutMs, "receive timeout");
    // Runs of frames are read (and decrypted) together from the first receive
    // on (a no-op after it): a caller the responder refuses never gets this far.
    this.#conn.readAhead(READ_BATCH);
    this.#receiving = true;
    const deadline = Date.now() + timeoutMs;
    let frames = 0;
    try {
      for (;;) {
        const message = borrow ? this.#assembler.nextView() : this.#assembler.next();
        if (message) return message;
        const left = deadline - Date.now();
        if (left <= 0 && frames > 0) throw this.#slow(timeoutMs);
        // Views of the read buffer: decrypting copies them before the next
        // read. The frames that came together are decrypted in one step
        // (each await is a round trip through the runtime's queues).
        // The first read gets the whole timeout, so a message that never
        // starts is reported as "no data within <timeout>", not a millisecond
        // less for the time it took to get here.
        const wait = frames === 0 ? timeoutMs : Math.max(1, left);
        const batch = await this.#conn.readFrameViews(wait, READ_BATCH);
        if (batch === null) {
          if (this.#assembler.pending === 0) return null;
          throw closedError(action, "the peer closed the connection mid-message", this.#conn.peer);
        }
        frames += batch.length;
        const plaintexts = await this.#ciphers.receive.decryptAll(batch);
        plaintexts.forEach((plaintext, k) => {
          // Counted as pushed: a refused length prefix stops the count there.
          this.#received += 2 + batch[k].length;
          this.#assembler.push(plaintext);
          freeNow(plaintext);
        });
      }
    } catch (error) {
      this.close();
      // A frame deadline hit halfway through a message reads better as the message's.
      if (frames > 0 && isMycelError(error, "timeout")) throw this.#slow(timeoutMs);
      throw error;
    } finally {
      this.#receiving = false;
    }
  }

  /** Close the connection. Idempotent; pending calls then fail. */
  close(): void {
    this.#conn.close();
  }

  #slow(timeoutMs: number): MycelError {
    const reason = `the message was not complete within ${seconds(timeoutMs)}`;
    return timeoutError("receive message", reason, this.#conn.peer);
  }

  async #sendNow(message: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (this.closed) {
      throw closedError("send message", "the channel was closed", this.#conn.peer);
    }
    // A message's frames are encrypted in one step, each straight into its
    // place in the message's wire bytes, then written in one write. The
    // buffer is the channel's, used again for the next message: sends run
    // one at a time, and each waits for its write before the next begins.
    try {
      const parts = message instanceof Uint8Array ? [message] : message;
      const pieces = framedPieces(parts, this.maxMessage, NOISE_MAX_PLAINTEXT);
      const lengths = pieces.map((p) => p.length + NOISE_TAG_LENGTH);
      const size = FrameConn.wireLength(lengths);
      if (this.#wire.length < size) this.#wire = new Uint8Array(size);
      const wire = this.#wire.subarray(0, size);
      await this.#ciphers.send.encryptAllInto(pieces, FrameConn.layFrames(wire, lengths));
      this.#sent += size;
      await this.#conn.writeLaid(wire);
      // Kept for the next message only while small: a checkpoint's 64 MiB
      // would otherwise stay with the channel for the rest of its session.
      if (this.#wire.length > KEEP_WIRE) this.#wire = new Uint8Array(0);
    } catch (error) {
      this.close();
      throw error;
    }
  }
}
