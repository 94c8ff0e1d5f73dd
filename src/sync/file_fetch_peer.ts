/**
 * @module file_fetch_peer
 * One peer's part of the file phase (file_fetch.ts): wants sent in batches
 * while less than a window of bytes is outstanding, its answers read in
 * order (file_fetch_answer.ts), each chunk's bytes hashed against its id
 * before they are handed on, and the peer dropped — what it owed put back
 * for the others — when it sends wrong bytes, goes silent or away. What a
 * slow peer owes is asked of an idle one too (Pace below). Apart from the
 * Fetcher, which starts one such loop per peer and answers its
 * callers, because this is the protocol's flow with one peer, and the
 * wants it draws from (file_fetch_wants.ts) are shared by all.
 */

import { fromHex } from "../bytes.ts";
import { loadBlake3 } from "../files/chunk_hash.ts";
import { encodeChunkMessage } from "../protocol/chunk_messages.ts";
import type { FetchPeer, PeerFetchReport } from "./file_fetch.ts";
import { receiveAnswer } from "./file_fetch_answer.ts";
import type { Item, Misstated } from "./file_fetch_want_item.ts";
import type { Wants } from "./file_fetch_wants.ts";

/** Bytes outstanding per peer at most. */
const WINDOW = 16 << 20;

/** What one peer's loop is given. */
export interface PeerRun {
  readonly peer: FetchPeer;
  /** Its number among the fetch's peers (as Item.tried holds it). */
  readonly index: number;
  /** Its part, counted here. */
  readonly report: PeerFetchReport;
  readonly wants: Wants;
  readonly folder: string;
  readonly readTimeoutMs: number;
  /** Gets each chunk; `bytes` are valid only until the promise it returns settles. */
  readonly deliver: (hash: string, bytes: Uint8Array) => Promise<void>;
  readonly misstated: Misstated;
}

/**
 * Watches a peer's pace. Every message of an answer comes within the read
 * deadline, but a member sending a byte a message (or each answer just
 * inside it) held what it was asked for until the session deadline (600 s
 * by default) while a peer that had it sat idle. So once the oldest want
 * of the peer has waited longer than the read deadline (our own time
 * handing chunks on left out) and another live peer not asked for it is
 * idle, everything the peer still owes is asked of the others too
 * (Wants.hedge; whichever answer comes first is handed on), and once all
 * of it came from them the peer is cut: its channel closed, `cut` saying
 * why. A slow peer that alone has what it was asked for keeps its pace.
 */
class Pace {
  readonly #asked = new Map<Item, number>();
  readonly #timer: ReturnType<typeof setInterval>;
  /** Milliseconds spent handing chunks on, in all. */
  #ours = 0;

  constructor(p: PeerRun, outstanding: readonly Item[], cut: (why: string) => void) {
    this.#timer = setInterval(() => {
      const head = outstanding[0];
      const at = head === undefined ? undefined : this.#asked.get(head);
      if (at === undefined || Date.now() - at - this.#ours <= p.readTimeoutMs) return;
      if (outstanding.every((it) => it.got)) {
        cut("too slow: what it was asked for came from other peers");
        p.peer.channel.close();
      } else if (p.wants.othersIdle(p.index, head)) {
        p.wants.hedge(outstanding);
      }
    }, Math.max(20, p.readTimeoutMs / 4));
  }

  /** `items` are asked for now. */
  asking(items: readonly Item[]): void {
    // Stored less our time so far: the wait is the time since, less ours since.
    for (const it of items) this.#asked.set(it, Date.now() - this.#ours);
  }

  /** `item` is answered. */
  answered(item: Item): void {
    this.#asked.delete(item);
  }

  /** Time `fn` as ours, not the peer's. */
  async ours(fn: () => Promise<void>): Promise<void> {
    const t = Date.now();
    try {
      await fn();
    } finally {
      this.#ours += Date.now() - t;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** Fetch from `p.peer` until the wants are done for it, or it is dropped. */
export async function runPeer(p: PeerRun): Promise<void> {
  const { peer, index: i, report, wants } = p;
  const blake3 = await loadBlake3();
  const scratch = { buf: new Uint8Array(0) };
  const outstanding: Item[] = [];
  let outBytes = 0;
  let slow: string | undefined;
  const pace = new Pace(p, outstanding, (why) => slow = why);
  const drop = (why: string) => {
    report.dropped = slow ?? why;
    wants.dropPeer(i, outstanding.splice(0));
  };
  try {
    for (;;) {
      // Refill only once half the window is answered: one want per chunk
      // answered would cost each side an encrypted message per chunk.
      const batch = outBytes <= WINDOW / 2 ? wants.take(i, WINDOW - outBytes) : [];
      if (batch.length > 0) {
        wants.asking(i, batch);
        pace.asking(batch);
        outstanding.push(...batch);
        outBytes += batch.reduce((s, it) => s + it.length, 0);
        await peer.channel.send(encodeChunkMessage({
          type: "want",
          folder: p.folder,
          ids: batch.map((it) => fromHex(it.hash)),
        }));
        if (outBytes < WINDOW / 2 && wants.pending(i)) continue;
      }
      if (outstanding.length === 0) {
        if (wants.doneFor(i)) break;
        wants.idle(i, true);
        await wants.changed();
        wants.idle(i, false);
        continue;
      }
      const item = outstanding[0];
      const bytes = await receiveAnswer(peer.channel, item, scratch, p.readTimeoutMs);
      pace.answered(item);
      outstanding.shift();
      outBytes -= item.length;
      // Its twin's bytes came first (we were slow): nothing to hand on.
      const late = item.got === true;
      if (bytes === undefined) {
        if (late) wants.late(item);
        else wants.none(item, peer.key);
        continue;
      }
      // Nothing (a total past any chunk's, or a blob's, limit) or bytes
      // that are not the id's: the peer lies.
      if (bytes.length === 0 || blake3(bytes) !== item.hash) {
        item.tried.add(i);
        outstanding.unshift(item); // requeued with the rest by drop()
        drop(`sent wrong bytes for chunk ${item.hash.slice(0, 16)}`);
        return;
      }
      if (late) {
        wants.late(item);
        continue;
      }
      wants.arrived(item, bytes.length);
      report.chunks++;
      report.bytes += bytes.length;
      // The id's bytes, of another length than wanted: the version lies,
      // and no peer can send it otherwise (a manifest blob's length is not
      // known). A want of the id with their length, held back behind this
      // one, takes them.
      if (item.length !== 0 && bytes.length !== item.length) {
        p.misstated(item.hash, item.length, bytes.length);
        if (!wants.unqueue(item.hash, bytes.length)) continue;
      }
      await pace.ours(() => p.deliver(item.hash, bytes));
    }
  } catch (e) {
    drop(e instanceof Error ? e.message.replace(/^Cannot [^:]*: /, "") : String(e));
  } finally {
    pace.stop();
  }
}
