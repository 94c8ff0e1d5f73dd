/**
 * @module file_fetch
 * The initiator's file phase: fetch chunks (and manifest blobs) by id from
 * every peer session open for a folder at once. Each peer gets requests
 * while it has less than a window of bytes outstanding, and answers them in
 * order; a chunk one peer lacks goes to the next peer that has not been
 * asked. Every chunk is checked against its BLAKE3 id and length before it
 * is handed on: a peer that sends wrong bytes is dropped for the rest of the
 * round (reported), and what it owed is asked of the others. The length is
 * what a file version claims, and a member may publish a version that gives
 * a real chunk's id another length: bytes that hash to the id prove the
 * peer honest, so such a chunk is the version's fault (`misstated`), not
 * the peer's. That is why a chunk is wanted by id and length together: a
 * chunk asked once for the first file that named it, with that file's
 * length, let one lying version make every honest peer look like a liar
 * and be dropped (found by a review). A peer that
 * goes silent (read deadline) or away is dropped the same way. Memory is
 * bounded by the windows, and the bytes themselves are not held at all: a
 * chunk handed on is a view of its peer's receive buffer (or of a buffer the
 * peer's loop reuses for chunks in pieces), valid until the delivery settles,
 * so a stream of 1 MiB chunks allocates no 1 MiB buffer per chunk (each one
 * was garbage V8 kept until its next collection: tens of MiB of RSS).
 */

import { fromHex, toHex } from "../bytes.ts";
import { loadBlake3 } from "../files/chunk_hash.ts";
import { MAX_CHUNK_BYTES } from "../files/chunk_params.ts";
import { MAX_MANIFEST_BLOB_BYTES } from "../files/manifest_codec.ts";
import { MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import {
  type ChunkMessage,
  decodeChunkMessage,
  encodeChunkMessage,
  MAX_WANT_IDS,
} from "../protocol/chunk_messages.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";

/** A peer session whose file phase we drive. */
export interface FetchPeer {
  readonly key: DeviceKey;
  readonly name: string;
  readonly channel: SecureChannel;
}

/** How one peer's part went. */
export interface PeerFetchReport {
  readonly name: string;
  readonly key: DeviceKey;
  chunks: number;
  bytes: number;
  /** Why it was dropped, if it was ("wrong bytes for chunk …", "timeout", …). */
  dropped?: string;
}

/** Bytes outstanding per peer at most. */
const WINDOW = 16 << 20;

interface Item {
  readonly hash: string;
  readonly length: number;
  readonly tried: Set<number>;
}

/**
 * Called when a chunk's bytes hash to its id but are `actual` bytes long,
 * not the `claimed` length it was wanted with: the version that claimed it
 * is wrong, and nothing is handed on for that length.
 */
export type Misstated = (hash: string, claimed: number, actual: number) => void;

/** The key of a want: the same id with another length is another want. */
const keyOf = (hash: string, length: number) => `${hash}/${length}`;

/** Fetches ids from a set of peers (see the module comment). */
export class Fetcher {
  readonly reports: PeerFetchReport[];
  readonly #peers: readonly FetchPeer[];
  readonly #folder: string;
  readonly #readTimeoutMs: number;
  /** Gets each chunk; `bytes` are valid only until the promise it returns settles. */
  readonly #deliver: (hash: string, bytes: Uint8Array) => Promise<void>;
  readonly #misstated: Misstated;
  readonly #queue: Item[] = [];
  /** Items asked of some peer and not answered yet: a "none" sends one back to the queue. */
  readonly #asked = new Set<Item>();
  readonly #wanted = new Set<string>();
  /**
   * Ids asked of some peer and not answered yet. One want per id is out at
   * a time: wants of the same id with other lengths (lies) wait for its
   * answer, which tells the id's length, and then cost nothing — else 256
   * lying lengths of one 16 MiB chunk were 4 GiB asked of an honest peer.
   */
  readonly #flying = new Set<string>();
  /** Ids with a want held back behind the one in flight (its answer wakes the peers). */
  readonly #held = new Set<string>();
  /** The length of each chunk id whose bytes came (they hash to it). */
  readonly #lengths = new Map<string, number>();
  readonly #alive: boolean[];
  readonly #failed = new Set<string>();
  /** Per id, the peers that answered they do not have it. */
  readonly #none = new Map<string, Set<DeviceKey>>();
  #closed = false;
  #stopped = false;
  #wake: (() => void)[] = [];

  constructor(
    peers: readonly FetchPeer[],
    folder: string,
    readTimeoutMs: number,
    deliver: (hash: string, bytes: Uint8Array) => Promise<void>,
    misstated: Misstated = () => {},
  ) {
    this.#peers = peers;
    this.#folder = folder;
    this.#readTimeoutMs = readTimeoutMs;
    this.#deliver = deliver;
    this.#misstated = misstated;
    this.#alive = peers.map(() => true);
    this.reports = peers.map((p) => ({ name: p.name, key: p.key, chunks: 0, bytes: 0 }));
  }

  /** Ids no peer could give. */
  get failed(): ReadonlySet<string> {
    return this.#failed;
  }

  /**
   * The peers that answered they do not have `id` (a peer dropped before it
   * answered is not among them): when they are every device that could hold
   * it, nobody can send it.
   */
  noneFrom(id: string): ReadonlySet<DeviceKey> | undefined {
    return this.#none.get(id);
  }

  /**
   * Ask for `hash` (`length` bytes; 0 for a manifest blob) unless it is
   * already asked for with that length. A chunk is handed on only with the
   * length it was wanted with (`deliver`'s bytes are that long); the same id
   * wanted with another length is asked again (see the module comment).
   */
  want(hash: string, length: number): void {
    const key = keyOf(hash, length);
    if (this.#wanted.has(key) || this.#stopped) return;
    this.#wanted.add(key);
    this.#queue.push({ hash, length, tried: new Set() });
    this.#notify();
  }

  /** No more wants: run() returns when the queue is done. */
  close(): void {
    this.#closed = true;
    this.#notify();
  }

  /**
   * Ask for nothing more (the disk is full, say): answers to what was asked
   * are still read, so each session stays in step; the rest is left for the
   * next round, neither fetched nor counted as failed.
   */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.close();
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = [];
    for (const f of w) f();
  }

  /**
   * Up to `room` bytes of items `peer` has not been asked for. Taken items
   * are removed; the scan starts at the front, so it costs what it takes
   * (plus items other peers must serve), not the queue's length.
   */
  #take(peer: number, room: number): Item[] {
    const out: Item[] = [];
    const keep: Item[] = [];
    let settled = 0;
    let bytes = 0;
    // A fair share each, so every live peer works from the start.
    const alive = Math.max(1, this.#alive.filter(Boolean).length);
    const most = Math.min(MAX_WANT_IDS, Math.max(1, Math.ceil(this.#queue.length / alive)));
    let i = 0;
    for (; i < this.#queue.length && out.length < most; i++) {
      const item = this.#queue[i];
      const known = item.length === 0 ? undefined : this.#lengths.get(item.hash);
      if (known !== undefined && known !== item.length) {
        // The id's bytes came for another want: this one's length is a lie, and nothing to ask.
        this.#misstated(item.hash, item.length, known);
        settled++;
        continue;
      }
      if (item.tried.has(peer) || this.#flying.has(item.hash)) {
        if (!item.tried.has(peer)) this.#held.add(item.hash);
        keep.push(item);
        continue;
      }
      if (out.length > 0 && bytes + item.length > room) break;
      out.push(item);
      this.#flying.add(item.hash);
      bytes += item.length;
    }
    if (out.length > 0 || settled > 0) {
      this.#queue.splice(0, i - keep.length);
      for (let k = 0; k < keep.length; k++) this.#queue[k] = keep[k];
    }
    return out;
  }

  /** Put an item back, or give it up when every live peer was asked. */
  #requeue(item: Item): void {
    this.#asked.delete(item);
    this.#land(item);
    // Stopped: neither asked again nor failed — but peers waiting on it must wake.
    const left = this.#peers.some((_, i) => this.#alive[i] && !item.tried.has(i));
    if (this.#stopped) {
      // left for the next round
    } else if (left) this.#queue.push(item);
    else this.#failed.add(item.hash);
    this.#notify();
  }

  /** `item` is answered (or back in the queue): a want of its id held back may go. */
  #land(item: Item): void {
    this.#flying.delete(item.hash);
    if (this.#held.delete(item.hash)) this.#notify();
  }

  #pending(peer: number): boolean {
    // Usually the first item answers; only items other peers must serve are skipped.
    for (const it of this.#queue) if (!it.tried.has(peer)) return true;
    return false;
  }

  /** Whether an item now asked of another peer could still come back to `peer` (on "none"). */
  #mayReturn(peer: number): boolean {
    for (const it of this.#asked) if (!it.tried.has(peer)) return true;
    return false;
  }

  /** Fetch until closed and done, or no peer is left. */
  async run(): Promise<void> {
    await Promise.all(this.#peers.map((_, i) => this.#runPeer(i)));
    for (const it of this.#queue.splice(0)) this.#failed.add(it.hash);
  }

  async #runPeer(i: number): Promise<void> {
    const peer = this.#peers[i];
    const report = this.reports[i];
    const blake3 = await loadBlake3();
    const scratch = { buf: new Uint8Array(0) };
    const outstanding: Item[] = [];
    let outBytes = 0;
    const drop = (why: string) => {
      report.dropped = why;
      this.#alive[i] = false;
      for (const it of outstanding.splice(0)) this.#requeue(it);
      // Items only this peer could still have served are given up.
      const still = this.#queue.filter((it) => {
        if (this.#peers.some((_, j) => this.#alive[j] && !it.tried.has(j))) return true;
        this.#failed.add(it.hash);
        return false;
      });
      this.#queue.length = 0;
      for (const it of still) this.#queue.push(it);
      this.#notify();
    };
    try {
      for (;;) {
        // Refill only once half the window is answered: one want per chunk
        // answered would cost each side an encrypted message per chunk.
        const batch = outBytes <= WINDOW / 2 ? this.#take(i, WINDOW - outBytes) : [];
        if (batch.length > 0) {
          for (const it of batch) {
            it.tried.add(i);
            this.#asked.add(it);
          }
          outstanding.push(...batch);
          outBytes += batch.reduce((s, it) => s + it.length, 0);
          await peer.channel.send(encodeChunkMessage({
            type: "want",
            folder: this.#folder,
            ids: batch.map((it) => fromHex(it.hash)),
          }));
          if (outBytes < WINDOW / 2 && this.#pending(i)) continue;
        }
        if (outstanding.length === 0) {
          // Not while another peer may still answer "none" for an item we were not asked:
          // a peer that left early would leave that item to nobody.
          if (this.#closed && !this.#pending(i) && !this.#mayReturn(i)) break;
          await new Promise<void>((r) => this.#wake.push(r));
          continue;
        }
        const item = outstanding[0];
        const bytes = await this.#receiveOne(peer.channel, item, scratch);
        outstanding.shift();
        outBytes -= item.length;
        if (bytes === undefined) {
          const none = this.#none.get(item.hash);
          if (none === undefined) this.#none.set(item.hash, new Set([peer.key]));
          else none.add(peer.key);
          this.#requeue(item);
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
        this.#asked.delete(item);
        if (item.length !== 0) this.#lengths.set(item.hash, bytes.length);
        this.#land(item);
        if (this.#closed) this.#notify(); // peers waiting only on this item may go
        report.chunks++;
        report.bytes += bytes.length;
        // The id's bytes, of another length than wanted: the version lies,
        // and no peer can send it otherwise (a manifest blob's length is not
        // known). A want of the id with their length, held back behind this
        // one, takes them.
        if (item.length !== 0 && bytes.length !== item.length) {
          this.#misstated(item.hash, item.length, bytes.length);
          const k = this.#queue.findIndex((it) =>
            it.hash === item.hash && it.length === bytes.length
          );
          if (k < 0) continue;
          this.#queue.splice(k, 1);
        }
        await this.#deliver(item.hash, bytes);
      }
    } catch (e) {
      drop(e instanceof Error ? e.message.replace(/^Cannot [^:]*: /, "") : String(e));
    }
  }

  /**
   * The answer to `item` (undefined: the peer does not have it): a view of
   * the channel's buffer, or of `scratch` (grown as needed, reused) for a
   * chunk in pieces; either is valid until the next call.
   */
  async #receiveOne(
    channel: SecureChannel,
    item: Item,
    scratch: { buf: Uint8Array },
  ): Promise<Uint8Array | undefined> {
    let buf: Uint8Array | undefined;
    let at = 0;
    for (;;) {
      const raw = await channel.receiveView(this.#readTimeoutMs);
      if (raw === null) {
        throw new MycelError("connection_closed", "fetch chunks", "the peer hung up");
      }
      const msg: ChunkMessage = decodeChunkMessage(raw);
      if (msg.type === "stop") {
        throw new MycelError(
          `peer_${msg.code}`,
          "fetch chunks",
          `the peer stopped: ${msg.message}`,
        );
      }
      if (msg.type !== "none" && msg.type !== "piece") {
        throw new MycelError("protocol_violation", "fetch chunks", `unexpected ${msg.type}`);
      }
      if (toHex(msg.id) !== item.hash) {
        throw new MycelError("protocol_violation", "fetch chunks", "an answer out of order");
      }
      if (msg.type === "none") return undefined;
      // Another length than ours is not yet the peer's fault: the version
      // that gave ours may lie (the caller hashes it to tell). Never more
      // than any chunk (or, for a manifest blob, a blob) can be: an empty
      // answer, which the caller blames on the peer.
      const most = item.length === 0 ? MAX_MANIFEST_BLOB_BYTES : MAX_CHUNK_BYTES;
      if (msg.total > most) return new Uint8Array(0);
      // The common case, a chunk in one piece: keep the piece (a view of this message).
      if (buf === undefined && msg.offset === 0 && msg.bytes.length === msg.total) {
        return msg.bytes;
      }
      if (buf === undefined) {
        if (scratch.buf.length < msg.total) scratch.buf = new Uint8Array(msg.total);
        buf = scratch.buf.subarray(0, msg.total);
      }
      if (msg.offset !== at || msg.total !== buf.length) {
        throw new MycelError("protocol_violation", "fetch chunks", "pieces out of order");
      }
      buf.set(msg.bytes, at);
      at += msg.bytes.length;
      if (at === buf.length) return buf;
    }
  }
}
