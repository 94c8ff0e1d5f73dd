/**
 * @module pairing_opening
 * The part of a pairing attempt that costs the code nothing, run for every
 * connection at once: the joiner's CPace share is answered and its first
 * Noise message awaited. Only then does a connection queue for the inviter,
 * which checks the code (that message is keyed by it) one connection at a
 * time, since each check may cost one of three attempts.
 *
 * Before, the inviter took connections one at a time from their first frame
 * on, and waited up to 15 s for each one's Noise message: a stranger who sent
 * a well-formed first frame on each of its connections and went quiet kept a
 * joiner waiting about 8 minutes behind 32 of them. Now those waits run side by
 * side, and a connection keeps its slot only once its Noise message arrived:
 * until then, with every slot taken, the oldest such connection makes room
 * for a new one (pairing_listener.ts), as a silent one does.
 */

import { cpaceStart } from "../crypto/cpace.ts";
import { Handshake } from "../crypto/noise.ts";
import { decodePairHello, encodePairAccept, type PairHello } from "../protocol/pairing_messages.ts";
import type { NoisePair } from "../storage/noise_cache.ts";
import { PAIRING_NOISE, pairingChannelId, pairingPrologue } from "./pairing_common.ts";
import type { PairingListener, Presented } from "./pairing_listener.ts";
import { WaitQueue } from "../transport/wait_queue.ts";

/** How long the joiner's first Noise message may take after our CPace answer (ms). */
export const OPENING_MS = 15_000;

/** A connection whose first Noise message arrived, not yet read (the code check). */
export interface Opened {
  readonly conn: Presented;
  readonly hello: PairHello;
  /** Our side of the handshake, waiting for {@link m0}. */
  readonly hs: Handshake;
  /** The joiner's first Noise message, keyed by the code. */
  readonly m0: Uint8Array;
}

/**
 * Answer a presented connection's CPace share and wait for its first Noise
 * message. Null when it sent none in time, hung up, or its first frame was
 * not a pairing request; the connection is closed then. A request that
 * cannot be read (another pairing version, say) is said with `log`, as the
 * joiner only hears that we hung up; a wait that ends in silence is not.
 */
export async function openAttempt(
  conn: Presented,
  secret: Uint8Array,
  keys: () => Promise<NoisePair>,
  log: (line: string) => void,
  readMs = OPENING_MS,
): Promise<Opened | null> {
  let hello: PairHello, cpace: ReturnType<typeof cpaceStart>, isk: Uint8Array;
  try {
    hello = decodePairHello(conn.first);
    cpace = cpaceStart({
      password: secret,
      role: "responder",
      channelId: pairingChannelId(),
      sid: hello.sid,
    });
    ({ isk } = cpace.finish(hello.share));
  } catch (e) {
    log(`pairing attempt from ${conn.remote} failed: ${(e as Error).message}`);
    conn.done();
    return null;
  }
  try {
    const k = await keys();
    const hs = Handshake.create({
      protocol: PAIRING_NOISE,
      initiator: false,
      prologue: pairingPrologue(hello.sid, hello.share, cpace.message),
      staticKey: { publicKey: k.noisePublic, privateKey: k.noisePrivate },
      psks: [isk.slice(0, 32)],
    });
    await conn.frames.writeFrame(encodePairAccept(cpace.message));
    const m0 = await conn.frames.readFrame(readMs);
    if (m0 === null) throw new Error("hung up");
    conn.keep();
    return { conn, hello, hs, m0 };
  } catch {
    conn.done();
    return null;
  }
}

/**
 * Connections as the inviter takes them: opened ones in the order their
 * Noise message came, and, once the pairing ended, presented ones as they
 * come (to be told why, with no CPace spent on them).
 */
export class PairingOpenings {
  readonly #incoming: PairingListener;
  readonly #ready = new WaitQueue<Opened | Presented>();
  /** Connections whose opening is under way (closed with the rest). */
  readonly #opening = new Set<Presented>();
  readonly #pump: Promise<void>;

  constructor(
    incoming: PairingListener,
    open: (conn: Presented) => Promise<Opened | null>,
    ended: () => boolean,
  ) {
    this.#incoming = incoming;
    this.#pump = this.#run(open, ended);
  }

  async #run(
    open: (conn: Presented) => Promise<Opened | null>,
    ended: () => boolean,
  ): Promise<void> {
    while (!this.#ready.closed) {
      const conn = await this.#incoming.next(60_000);
      if (conn === null) continue;
      if (ended()) {
        if (!this.#ready.push(conn)) conn.done();
        continue;
      }
      this.#opening.add(conn);
      void open(conn).then((opened) => {
        this.#opening.delete(conn);
        if (opened !== null && !this.#ready.push(opened)) conn.done();
      });
    }
  }

  /** The next connection for the inviter, or null after `ms` or once closed. */
  next(ms: number): Promise<Opened | Presented | null> {
    return this.#ready.next(ms);
  }

  /**
   * Stop: close the listener and every connection still opening or queued.
   * With a `farewell` frame (why the code can pair no one now), the listener
   * tells each one still open before it closes it (pairing_listener.ts): a
   * joiner whose opening was under way hears it in place of our answer to
   * its Noise message.
   */
  async close(farewell?: Uint8Array): Promise<void> {
    const queued = this.#ready.close();
    if (farewell === undefined) {
      for (const item of queued) connOf(item).done();
      for (const conn of this.#opening) conn.done();
    }
    await this.#incoming.close(farewell);
    await this.#pump.catch(() => {});
  }
}

/** The connection of a queued item. */
export function connOf(item: Opened | Presented): Presented {
  return "conn" in item ? item.conn : item;
}
