/**
 * @module noise_handshake
 * The public handshake object: whose turn it is, size limits, and each message
 * applied as a transaction, so a message that fails (bad tag, low-order key,
 * truncated, oversize) leaves the handshake exactly as it was before the call.
 * The token work itself is in `noise_handshake_core.ts`.
 */

import { wipe } from "../bytes.ts";
import { CipherState } from "./noise_cipher_state.ts";
import { HandshakeCore } from "./noise_handshake_core.ts";
import type { HandshakeOptions, ResolvedHandshakeOptions } from "./noise_handshake_options.ts";
import { resolveHandshakeOptions } from "./noise_handshake_options.ts";
import { NOISE_MAX_MESSAGE, stateError, tooLargeError } from "./noise_limits.ts";
import type { NoiseToken } from "./noise_patterns.ts";

const EMPTY = new Uint8Array(0);

/** Whose move it is: ours to write, ours to read, or nobody's (done). */
export type HandshakeTurn = "write" | "read" | "complete";

/** The two transport cipher states of a finished handshake. */
export interface TransportCiphers {
  /** Encrypts what we send. */
  readonly send: CipherState;
  /** Decrypts what we receive. */
  readonly receive: CipherState;
}

/**
 * One side of a Noise handshake.
 *
 * ```ts
 * const hs = Handshake.create({ protocol: NOISE_IK, initiator: true, staticKey, remoteStatic });
 * const first = await hs.writeMessage(hello);
 * const reply = await hs.readMessage(await receiveFrame());
 * const { send, receive } = hs.split();
 * ```
 */
export class Handshake {
  /** The protocol name this handshake runs. */
  readonly protocol: string;
  /** True for the side that sends the first message. */
  readonly initiator: boolean;
  readonly #o: ResolvedHandshakeOptions;
  readonly #core: HandshakeCore;
  #index = 0;
  #busy = false;
  #finished: "split" | "disposed" | undefined;

  private constructor(o: ResolvedHandshakeOptions) {
    this.#o = o;
    this.protocol = o.protocol.name;
    this.initiator = o.initiator;
    this.#core = new HandshakeCore(o);
  }

  /**
   * Start a handshake. Throws `noise_protocol` for an unsupported protocol
   * name and `noise_config` / `noise_bad_key` when the keys do not fit it.
   * Synchronous; `await Handshake.create(...)` works too.
   */
  static create(options: HandshakeOptions): Handshake {
    return new Handshake(resolveHandshakeOptions(options));
  }

  /** Whether we should call writeMessage, readMessage, or split next. */
  get turn(): HandshakeTurn {
    const { messages } = this.#o.protocol.pattern;
    if (this.#index >= messages.length) return "complete";
    return (messages[this.#index].direction === "->") === this.initiator ? "write" : "read";
  }

  /** True once every handshake message has been written or read. */
  get complete(): boolean {
    return this.turn === "complete";
  }

  /**
   * The peer's static public key (a copy) as soon as it is known: from the
   * start when given, otherwise right after the message that carries it, so a
   * responder can refuse an unknown device before it replies.
   */
  get remoteStatic(): Uint8Array | undefined {
    return this.#core.rs && new Uint8Array(this.#core.rs);
  }

  /**
   * The remote party's ephemeral public key once a message carried it: fresh
   * for every honest handshake, so a first message seen twice is a replay.
   */
  get remoteEphemeral(): Uint8Array | undefined {
    return this.#core.re && new Uint8Array(this.#core.re);
  }

  /** The final handshake hash h, for channel binding. Throws before completion. */
  get handshakeHash(): Uint8Array {
    if (!this.complete) throw stateError("read handshake hash", "the handshake is not complete");
    return this.#core.sym.handshakeHash;
  }

  /**
   * Build our next handshake message around `payload` (encrypted once a key
   * is established). Rejects with `noise_state` out of turn and with
   * `noise_too_large` if the message would exceed 65535 bytes.
   */
  writeMessage(payload: Uint8Array = EMPTY): Promise<Uint8Array> {
    const action = "write Noise handshake message";
    return this.#transaction(action, "write", async (tokens) => {
      if (payload.length > NOISE_MAX_MESSAGE) {
        throw tooLargeError(action, payload.length, NOISE_MAX_MESSAGE);
      }
      const message = await this.#core.write(tokens, payload);
      // Only known once the tokens ran (the tag appears once a key exists).
      if (message.length > NOISE_MAX_MESSAGE) {
        throw tooLargeError(action, message.length, NOISE_MAX_MESSAGE);
      }
      return message;
    });
  }

  /**
   * Process the peer's next handshake message and return its payload.
   * Rejects with `noise_decrypt`, `noise_bad_key`, `noise_truncated`,
   * `noise_too_large` or `noise_state`; on any of them nothing changes.
   */
  readMessage(message: Uint8Array): Promise<Uint8Array> {
    const action = "read Noise handshake message";
    return this.#transaction(action, "read", (tokens) => {
      if (message.length > NOISE_MAX_MESSAGE) {
        throw tooLargeError(action, message.length, NOISE_MAX_MESSAGE);
      }
      return this.#core.read(tokens, message);
    });
  }

  /**
   * Split(): the transport cipher states. Allowed once, after completion (a
   * second pair would reuse nonces). Wipes the handshake's secrets. In a
   * one-way pattern the missing direction refuses every call.
   */
  split(): TransportCiphers {
    const action = "split Noise handshake";
    if (this.#finished) throw stateError(action, `the handshake was already ${this.#finished}`);
    if (!this.complete) throw stateError(action, "the handshake is not complete");
    const { cipher, pattern } = this.#o.protocol;
    const [k1, k2] = this.#core.sym.split();
    const options = { nonceLimit: this.#o.nonceLimit };
    const toResponder = new CipherState(cipher, k1, options);
    const toInitiator = new CipherState(cipher, pattern.oneWay ? undefined : k2, {
      ...options,
      unusable: `one-way pattern ${pattern.name} only carries initiator-to-responder messages`,
    });
    wipe(k1);
    wipe(k2);
    this.#finish("split");
    return this.initiator
      ? { send: toResponder, receive: toInitiator }
      : { send: toInitiator, receive: toResponder };
  }

  /** Abandon the handshake and wipe its secrets; later calls throw. */
  dispose(): void {
    if (!this.#finished) this.#finish("disposed");
  }

  // Check the turn, then run `body` so that it either completes the message
  // or leaves no trace: the core is rolled back on any failure.
  async #transaction<T>(
    action: string,
    want: "write" | "read",
    body: (tokens: readonly NoiseToken[]) => Promise<T>,
  ): Promise<T> {
    if (this.#finished) throw stateError(action, `the handshake was already ${this.#finished}`);
    if (this.#busy) throw stateError(action, "another handshake call is still running");
    const turn = this.turn;
    if (turn === "complete") throw stateError(action, "the handshake is already complete");
    if (turn !== want) {
      throw stateError(
        action,
        want === "write" ? "it is the peer's turn to send" : "it is our turn to send",
      );
    }
    this.#busy = true;
    const snapshot = this.#core.snapshot();
    try {
      const result = await body(this.#o.protocol.pattern.messages[this.#index].tokens);
      this.#core.sym.release(snapshot.sym);
      this.#index++;
      return result;
    } catch (error) {
      this.#core.restore(snapshot);
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  #finish(how: "split" | "disposed"): void {
    this.#finished = how;
    this.#core.destroy();
  }
}
