/**
 * @module pairing_listener
 * The accept side of `mycel pair`. Connections are accepted as they come and
 * all of them wait for their first frame at once (a joiner's CPace share, or
 * whatever a late joiner sends), each for at most {@link HELLO_MS}: a socket
 * that says nothing cannot hold the line while a real joiner waits behind
 * it. At most {@link MAX_CONCURRENT} connections are open at once, and
 * {@link MAX_PER_SOURCE} from one source address. With every slot taken, the
 * oldest connection its consumer has not kept ({@link Presented.keep}) is
 * closed to make room for a new one; beyond the per-source cap a connection
 * is closed at once. Connections that presented a frame queue in arrival
 * order for the inviter (pairing_opening.ts).
 */

import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../protocol/connection_limits.ts";
import { ConnectionSlots } from "../transport/connection_slots.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import type { TcpListener } from "../transport/tcp_listener.ts";
import { WaitQueue } from "../transport/wait_queue.ts";

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
  /**
   * Keep its slot: it can no longer be closed to make room for a new
   * connection. The inviter keeps a connection once it proved it speaks
   * the protocol past its first frame (pairing_opening.ts).
   */
  keep(): void;
  /** Close it and give back its slot (idempotent). */
  done(): void;
}

/** Accepts, waits for first frames concurrently, and queues the connections that sent one. */
export class PairingListener {
  readonly #listener: TcpListener;
  readonly #slots = new ConnectionSlots(MAX_CONCURRENT, MAX_PER_SOURCE);
  readonly #waiting = new Set<FrameConn>();
  readonly #ready = new WaitQueue<Presented>();
  readonly #pump: Promise<void>;

  /** Start accepting on `listener` (closed by {@link close}). */
  constructor(listener: TcpListener, helloMs = HELLO_MS) {
    this.#listener = listener;
    this.#pump = this.#accept(helloMs);
  }

  async #accept(helloMs: number): Promise<void> {
    for await (const conn of this.#listener) {
      // Slots full, the oldest connection not kept makes room (connection_slots.ts).
      const slot = this.#slots.take(conn.remote, () => conn.close());
      if (slot === undefined || this.#ready.closed) {
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
      const keep = () => slot.keep();
      frames.readFrame(helloMs).then((first) => {
        if (
          first === null || !this.#ready.push({ frames, first, remote: conn.remote, keep, done })
        ) {
          done();
        }
      }, done).finally(() => this.#waiting.delete(frames));
    }
  }

  /** The next connection that presented a frame, or null after `ms` or once closed. */
  next(ms: number): Promise<Presented | null> {
    return this.#ready.next(ms);
  }

  /** Stop listening and close every waiting and queued connection. */
  async close(): Promise<void> {
    for (const p of this.#ready.close()) p.done();
    this.#listener.close();
    for (const f of this.#waiting) f.close();
    await this.#pump.catch(() => {});
  }
}
