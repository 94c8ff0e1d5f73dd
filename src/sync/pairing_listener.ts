/**
 * @module pairing_listener
 * The accept side of `mycel pair`. Connections are accepted as they come and
 * all of them wait for their first frame at once (a joiner's CPace share, or
 * whatever a late joiner sends), each for at most {@link HELLO_MS}: a socket
 * that says nothing cannot hold the line while a real joiner waits behind
 * it. At most {@link MAX_CONCURRENT} connections wait or queue at once, and
 * {@link MAX_PER_SOURCE} from one source address; others are closed at once.
 * Connections that presented a frame queue in arrival order; the inviter
 * takes them one at a time (attempts stay serial: each may cost one of the
 * code's three tries, and admits at most one device).
 */

import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../protocol/connection_limits.ts";
import { ConnectionSlots } from "../transport/connection_slots.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import type { TcpListener } from "../transport/tcp_listener.ts";

/** How long a connection may take to present its first frame (it costs no attempt). */
export const HELLO_MS = 5_000;

/** A connection that presented its first frame. */
export interface Presented {
  /** Its frames (the first already read). */
  readonly frames: FrameConn;
  /** The first frame. */
  readonly first: Uint8Array;
  /** Where it comes from ("host:port"). */
  readonly remote: string;
  /** Close it and give back its slot (idempotent). */
  done(): void;
}

/** Accepts, waits for first frames concurrently, and queues the connections that sent one. */
export class PairingListener {
  readonly #listener: TcpListener;
  readonly #slots = new ConnectionSlots(MAX_CONCURRENT, MAX_PER_SOURCE);
  readonly #waiting = new Set<FrameConn>();
  readonly #ready: Presented[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  readonly #pump: Promise<void>;

  /** Start accepting on `listener` (closed by {@link close}). */
  constructor(listener: TcpListener, helloMs = HELLO_MS) {
    this.#listener = listener;
    this.#pump = this.#accept(helloMs);
  }

  async #accept(helloMs: number): Promise<void> {
    for await (const conn of this.#listener) {
      // Slots full, the oldest connection still silent makes room (connection_slots.ts).
      const slot = this.#slots.take(conn.remote, () => conn.close());
      if (slot === undefined || this.#closed) {
        conn.close();
        slot?.release();
        continue;
      }
      const frames = new FrameConn(conn, { peer: conn.remote });
      this.#waiting.add(frames);
      const done = () => {
        frames.close();
        slot.release();
      };
      frames.readFrame(helloMs).then((first) => {
        if (first === null || this.#closed) return done();
        slot.keep();
        this.#ready.push({ frames, first, remote: conn.remote, done });
        this.#wake?.();
      }, done).finally(() => this.#waiting.delete(frames));
    }
  }

  /** The next connection that presented a frame, or null after `ms` or once closed. */
  async next(ms: number): Promise<Presented | null> {
    const end = performance.now() + ms;
    while (!this.#closed) {
      const got = this.#ready.shift();
      if (got) return got;
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

  /** Stop listening and close every waiting and queued connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listener.close();
    this.#wake?.();
    for (const f of this.#waiting) f.close();
    for (const p of this.#ready.splice(0)) p.done();
    await this.#pump.catch(() => {});
  }
}
