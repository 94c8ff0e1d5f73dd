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
 *
 * Ending resets no joiner if it can help it: a socket closed with bytes
 * unread or still coming, or a listening socket closed with connections in
 * the kernel's accept queue, makes the kernel send RST, and the joiner lost
 * the "code already used" written before it. So
 * {@link PairingListener.stopAccepting} accepts what the kernel holds
 * first, and {@link PairingListener.close} tells each connection still
 * open why (the farewell) and closes it once it has read what it sends.
 */

import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../protocol/connection_limits.ts";
import { pause } from "../deadline.ts";
import { ConnectionSlots } from "../transport/connection_slots.ts";
import { FrameConn } from "../transport/frame_conn.ts";
import type { TcpListener } from "../transport/tcp_listener.ts";
import { WaitQueue } from "../transport/wait_queue.ts";

/** How long a connection may take to present its first frame (it costs no attempt). */
export const HELLO_MS = 5_000;

/** How long connections still open at the end may take to read the farewell and hang up (ms). */
export const FAREWELL_MS = 1_000;

/**
 * Stopping, the listening socket is closed once no connection was accepted
 * for DRAIN_QUIET_MS (at most DRAIN_MAX_MS): the event loop turns, and
 * connections the kernel completed meanwhile are accepted, not reset. Best
 * effort: on a loaded machine accepting lagged 20-90 ms behind, and one
 * completing as the socket closes is still reset (the joiner says what
 * that likely means: pairing_joiner.ts). Well before the joiner can be
 * done, so the port is free for the next `mycel pair` by then.
 */
const DRAIN_QUIET_MS = 25;
const DRAIN_MAX_MS = 250;

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

/** An accepted connection not yet done with. */
interface Open {
  readonly frames: FrameConn;
  readonly done: () => void;
  /** Resolves once done. */
  readonly closed: Promise<void>;
}

/** Accepts, waits for first frames concurrently, and queues the connections that sent one. */
export class PairingListener {
  readonly #listener: TcpListener;
  readonly #slots = new ConnectionSlots(MAX_CONCURRENT, MAX_PER_SOURCE);
  readonly #open = new Set<Open>();
  /** Those still waiting for their first frame. */
  readonly #waiting = new Set<Open>();
  readonly #ready = new WaitQueue<Presented>();
  readonly #pump: Promise<void>;
  #accepted = 0;
  #stopping: Promise<void> | undefined;

  /** Start accepting on `listener` (closed by {@link close}). */
  constructor(listener: TcpListener, helloMs = HELLO_MS) {
    this.#listener = listener;
    this.#pump = this.#accept(helloMs);
  }

  async #accept(helloMs: number): Promise<void> {
    for await (const conn of this.#listener) {
      this.#accepted++;
      // Slots full, the oldest connection not kept makes room (connection_slots.ts).
      const slot = this.#slots.take(conn.remote, () => conn.close());
      if (slot === undefined || this.#ready.closed) {
        conn.close();
        slot?.release();
        continue;
      }
      const frames = new FrameConn(conn, { peer: conn.remote });
      let closed = () => {};
      const open: Open = { frames, done: () => done(), closed: new Promise((r) => closed = r) };
      const done = () => {
        frames.close();
        slot.release();
        this.#open.delete(open);
        closed();
      };
      this.#open.add(open);
      this.#waiting.add(open);
      const keep = () => slot.keep();
      frames.readFrame(helloMs).then((first) => {
        if (
          first === null || !this.#ready.push({ frames, first, remote: conn.remote, keep, done })
        ) {
          done();
        }
      }, done).finally(() => this.#waiting.delete(open));
    }
  }

  /** The next connection that presented a frame, or null after `ms` or once closed. */
  next(ms: number): Promise<Presented | null> {
    return this.#ready.next(ms);
  }

  /**
   * Stop accepting (the port is free for the next `mycel pair` once this
   * resolves); connections already accepted, or already waiting in the
   * kernel, are served as before.
   */
  stopAccepting(): Promise<void> {
    return this.#stopping ??= (async () => {
      const until = performance.now() + DRAIN_MAX_MS;
      for (let seen = -1; seen !== this.#accepted && performance.now() < until;) {
        seen = this.#accepted;
        await pause(DRAIN_QUIET_MS);
      }
      this.#listener.close();
    })();
  }

  /**
   * Stop listening and close every connection waiting for its first frame
   * or queued (not those handed out: an attempt under way on Ctrl-C ends by
   * itself). With a `farewell` frame, the consumer is done with all it was
   * handed, and each connection still open is sent the farewell and closed
   * once it hung up or took {@link FAREWELL_MS}; what it sends meanwhile is
   * read (and dropped), so the kernel resets none of them.
   */
  async close(farewell?: Uint8Array, farewellMs = FAREWELL_MS): Promise<void> {
    const queued = this.#ready.close();
    this.#listener.close();
    if (farewell === undefined) {
      for (const p of queued) p.done();
      for (const o of [...this.#waiting]) o.done();
      await this.#pump.catch(() => {});
      return;
    }
    const open = [...this.#open];
    if (open.length > 0) {
      for (const o of open) {
        o.frames.writeFrame(farewell).catch(() => {});
        // A connection someone reads (its first frame, a joiner's Noise
        // message) is done once that read ends; the others are read here.
        if (!o.frames.reading) void readToEnd(o, farewellMs);
      }
      const timeUp = new AbortController();
      await Promise.race([
        Promise.all(open.map((o) => o.closed)),
        pause(farewellMs, timeUp.signal),
      ]);
      timeUp.abort();
    }
    for (const o of [...this.#open]) o.done();
    await this.#pump.catch(() => {});
  }
}

/** Read and drop frames until the peer hangs up (or `ms` passed), then close. */
async function readToEnd(o: Open, ms: number): Promise<void> {
  const end = performance.now() + ms;
  try {
    while (await o.frames.readFrame(Math.max(1, end - performance.now())) !== null);
  } catch {
    // timed out, reset, or closed here: closed either way
  } finally {
    o.done();
  }
}
