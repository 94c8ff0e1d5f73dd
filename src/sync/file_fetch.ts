/**
 * @module file_fetch
 * The initiator's file phase: fetch chunks (and manifest blobs) by id from
 * every peer session open for a folder at once. Each peer gets requests
 * while it has less than a window of bytes outstanding, and answers them in
 * order; a chunk one peer lacks goes to the next peer that has not been
 * asked (file_fetch_peer.ts runs each peer; file_fetch_wants.ts keeps where
 * each want stands). Every chunk is checked against its BLAKE3 id and length
 * before it is handed on: a peer that sends wrong bytes is dropped for the
 * rest of the round (reported), and what it owed is asked of the others. The
 * length is what a file version claims, and a member may publish a version
 * that gives a real chunk's id another length: bytes that hash to the id
 * prove the peer honest, so such a chunk is the version's fault
 * (`misstated`), not the peer's. A peer that goes silent (read deadline) or
 * away is dropped the same way; what a slow one owes is also asked of an
 * idle peer, and the slow one is cut once all of it came from elsewhere
 * (file_fetch_peer.ts, Pace). Memory is bounded by the windows, and the
 * bytes themselves are not held at all: a chunk handed on is a view of its
 * peer's receive buffer or of a buffer the peer's loop reuses
 * (file_fetch_answer.ts), valid until the delivery settles.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { runPeer } from "./file_fetch_peer.ts";
import type { Misstated } from "./file_fetch_want_item.ts";
import { Wants } from "./file_fetch_wants.ts";

// The type of the constructor's `misstated`, named here too for its callers.
export type { Misstated } from "./file_fetch_want_item.ts";

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

/** Fetches ids from a set of peers (see the module comment). */
export class Fetcher {
  readonly reports: PeerFetchReport[];
  readonly #peers: readonly FetchPeer[];
  readonly #folder: string;
  readonly #readTimeoutMs: number;
  /** Gets each chunk; `bytes` are valid only until the promise it returns settles. */
  readonly #deliver: (hash: string, bytes: Uint8Array) => Promise<void>;
  readonly #misstated: Misstated;
  readonly #wants: Wants;

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
    this.#wants = new Wants(peers.length, misstated);
    this.reports = peers.map((p) => ({ name: p.name, key: p.key, chunks: 0, bytes: 0 }));
  }

  /** Ids no peer could give. */
  get failed(): ReadonlySet<string> {
    return this.#wants.failed;
  }

  /**
   * The peers that answered they do not have `id` (a peer dropped before it
   * answered is not among them): when they are every device that could hold
   * it, nobody can send it.
   */
  noneFrom(id: string): ReadonlySet<DeviceKey> | undefined {
    return this.#wants.noneFrom(id);
  }

  /**
   * Ask for `hash` (`length` bytes; 0 for a manifest blob) unless it is
   * already asked for with that length. A chunk is handed on only with the
   * length it was wanted with (`deliver`'s bytes are that long); the same id
   * wanted with another length is asked again (see file_fetch_wants.ts).
   */
  want(hash: string, length: number): void {
    this.#wants.want(hash, length);
  }

  /** No more wants: run() returns when the queue is done. */
  close(): void {
    this.#wants.close();
  }

  /**
   * Ask for nothing more (the disk is full, say): answers to what was asked
   * are still read, so each session stays in step; the rest is left for the
   * next round, neither fetched nor counted as failed.
   */
  stop(): void {
    this.#wants.stop();
  }

  /** Fetch until closed and done, or no peer is left. */
  async run(): Promise<void> {
    await Promise.all(this.#peers.map((peer, i) =>
      runPeer({
        peer,
        index: i,
        report: this.reports[i],
        wants: this.#wants,
        folder: this.#folder,
        readTimeoutMs: this.#readTimeoutMs,
        deliver: this.#deliver,
        misstated: this.#misstated,
      })
    ));
    this.#wants.giveUpRest();
  }
}
