/**
 * @module memory_stream
 * Two connected {@link ByteStream}s in memory, like the two ends of a TCP
 * connection: what one end writes, the other reads, in order; closing an end
 * lets the other read what is left, then the end of stream. For running the
 * real sync code (Noise, frames, the exchange) between homes in one process:
 * simulated meshes in tests and benchmarks, with no sockets. `cut()` breaks
 * the link both ways at once, as a network partition does mid-session.
 *
 * Writes copy their bytes and never block (memory is the only buffer), so a
 * writer never waits for its reader; the sync code's own bounds (message and
 * batch sizes, session budgets) keep what sits in a pipe bounded.
 */

import type { ByteStream } from "./byte_stream.ts";
import { closedError } from "./io_errors.ts";

/** One direction of a link. */
class Pipe {
  #chunks: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  /** Bytes written into this direction so far. */
  bytes = 0;

  push(bytes: Uint8Array): void {
    this.#chunks.push(bytes.slice());
    this.bytes += bytes.length;
    this.#signal();
  }

  end(): void {
    this.#ended = true;
    this.#signal();
  }

  /** Drop what was not read yet (a cut link loses what was in flight). */
  drop(): void {
    this.#chunks = [];
    this.end();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const head = this.#chunks[0];
    const n = Math.min(head.length, buffer.length);
    buffer.set(head.subarray(0, n));
    if (n === head.length) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    return n;
  }
}

/** Both ends of an in-memory connection. */
export interface MemoryLink {
  /** The dialling end. */
  readonly a: ByteStream & { readonly remote: string };
  /** The answering end. */
  readonly b: ByteStream & { readonly remote: string };
  /** Bytes written from `a` to `b`, and from `b` to `a`. */
  readonly bytes: { readonly aToB: number; readonly bToA: number };
  /** Break the link both ways: reads end, writes fail, bytes in flight are lost. */
  cut(): void;
}

/** An in-memory connection; `names` label each end's view of the other (its `remote`). */
export function memoryLink(names: { a?: string; b?: string } = {}): MemoryLink {
  const ab = new Pipe(), ba = new Pipe();
  let cut = false;
  const end = (
    incoming: Pipe,
    outgoing: Pipe,
    remote: string,
  ): ByteStream & { readonly remote: string } => {
    let closed = false;
    return {
      remote,
      read: (buffer) => closed || cut ? Promise.resolve(null) : incoming.read(buffer),
      write(bytes) {
        if (closed || cut || outgoing.ended) {
          return Promise.reject(closedError("write to peer", "the connection was closed", remote));
        }
        outgoing.push(bytes);
        return Promise.resolve(bytes.length);
      },
      close() {
        if (closed) return;
        closed = true;
        outgoing.end();
        incoming.drop();
      },
    };
  };
  return {
    a: end(ba, ab, names.b ?? "memory:b"),
    b: end(ab, ba, names.a ?? "memory:a"),
    bytes: {
      get aToB() {
        return ab.bytes;
      },
      get bToA() {
        return ba.bytes;
      },
    },
    cut() {
      cut = true;
      ab.drop();
      ba.drop();
    },
  };
}
