/**
 * @module ingest
 * Taking in entries from a peer. Each entry is checked before it is stored:
 * its shape, that its author is an admitted (not revoked) member, that it
 * extends the author's chain (seq and prev hash), and its signature. Good
 * entries go through the same crash-safe path as local writes (append, fsync,
 * apply). A second, different entry for an (author, seq) already held is a
 * fork: it is kept in `forks/` and reported, never applied. Anything else is
 * refused with a reason, and nothing of it is applied.
 *
 * Entries may arrive before the entry that admits their author (a relay sends
 * several logs); they wait in `pending` until the admission has been applied,
 * and are refused only if it never comes.
 */

import { bytesEqual, toHex } from "../bytes.ts";
import { MAX_DRIFT_MS } from "../crdt/hlc.ts";
import type { DeviceId } from "../log/device_id.ts";
import { decodeSignedEntry, type SignedEntry, verifyEntrySignature } from "../log/entry.ts";
import { noteFork } from "../storage/local_state.ts";
import { appendRecords } from "../storage/segment.ts";
import type { Store } from "../storage/store.ts";

/** An entry that was not accepted, and why. */
export interface Refusal {
  /** Author the entry claims (or "" when undecodable). */
  author: string;
  /** Its seq (0 when undecodable). */
  seq: number;
  /** Stable reason code. */
  code: "malformed" | "bad_signature" | "not_member" | "revoked" | "gap";
  /** Human reason. */
  reason: string;
}

/** What an ingest did. */
export interface IngestResult {
  /** Entries stored and applied. */
  accepted: number;
  /** Entries we already had. */
  duplicates: number;
  /** Forks detected (conflicting entries kept aside). */
  forks: { author: DeviceId; seq: number; kept: string; other: string }[];
  /** Entries refused. */
  refused: Refusal[];
}

/** Stateful ingest of one peer's entries, batch by batch. */
export class Ingestor {
  readonly #store: Store;
  readonly #trusted: ReadonlySet<DeviceId>;
  readonly #pending = new Map<DeviceId, SignedEntry[]>();
  readonly #hashes = new Map<DeviceId, Uint8Array[]>();
  /** What this ingest did so far. */
  readonly result: IngestResult = { accepted: 0, duplicates: 0, forks: [], refused: [] };

  /**
   * Ingest into `store` (opened for writing). `trusted` authors are accepted
   * before their admission is known: a joining device trusts the inviter it
   * authenticated with the pairing code, and learns the mesh from its log.
   */
  constructor(store: Store, trusted: ReadonlySet<DeviceId> = new Set()) {
    this.#store = store;
    this.#trusted = trusted;
  }

  /** Decode, check, store and apply a batch of raw entries. */
  async push(raw: readonly Uint8Array[]): Promise<void> {
    for (const bytes of raw) {
      let e: SignedEntry;
      try {
        e = decodeSignedEntry(bytes);
      } catch (err) {
        this.#refuse({ author: "", seq: 0, code: "malformed", reason: (err as Error).message });
        continue;
      }
      const list = this.#pending.get(e.entry.author) ?? [];
      list.push(e);
      this.#pending.set(e.entry.author, list);
    }
    await this.#drain();
  }

  /** End of the peer's entries: whatever still waits is refused. */
  finish(): IngestResult {
    for (const [author, list] of this.#pending) {
      const state = this.#store.state;
      const why = state.members.isRemoved(author)
        ? { code: "revoked" as const, reason: "its author was removed from the mesh" }
        : state.isMember(author)
        ? { code: "gap" as const, reason: "earlier entries of its author are missing" }
        : { code: "not_member" as const, reason: "its author is not a member of this mesh" };
      for (const e of list) this.#refuse({ author, seq: e.entry.seq, ...why });
    }
    this.#pending.clear();
    return this.result;
  }

  #refuse(r: Refusal): void {
    // Keep the report bounded even against a peer that sends garbage.
    if (this.result.refused.length < 1000) this.result.refused.push(r);
  }

  async #drain(): Promise<void> {
    for (let progress = true; progress;) {
      progress = false;
      for (const [author, list] of [...this.#pending]) {
        const state = this.#store.state;
        // A revoked device's entries seen before its revocation stay valid;
        // later ones wait here and are refused in finish().
        const revoked = state.members.isRemoved(author);
        const cap = revoked ? state.members.removed(author)?.upTo ?? 0 : Infinity;
        const admitted = revoked
          ? state.members.added(author) !== undefined
          : state.isMember(author);
        // Not a member (yet): a later entry may admit it.
        if (!admitted && !this.#trusted.has(author)) continue;
        const took = await this.#takeChain(author, list, cap);
        if (took > 0) progress = true;
        list.splice(0, took);
        if (list.length === 0) this.#pending.delete(author);
      }
    }
  }

  /** Store the run of `list` that extends `author`'s chain; returns how many were consumed. */
  async #takeChain(author: DeviceId, list: SignedEntry[], cap: number): Promise<number> {
    const store = this.#store;
    let head = store.heads.get(author);
    const accept: SignedEntry[] = [];
    let consumed = 0;
    const signatures = await Promise.all(list.map((e) => verifyEntrySignature(e)));
    for (const [i, e] of list.entries()) {
      const seq = e.entry.seq;
      const headSeq = head?.seq ?? 0;
      if (!signatures[i]) {
        this.#refuse({
          author,
          seq,
          code: "bad_signature",
          reason: "its signature does not verify",
        });
        consumed = i + 1;
        continue;
      }
      if (seq <= headSeq) {
        const mine = await this.#hashAt(author, seq);
        if (mine !== undefined && bytesEqual(mine, e.hash)) {
          this.result.duplicates++;
          consumed = i + 1;
          continue;
        }
        // A different entry for a seq we hold: this and the rest of the
        // peer's run for this author are the other branch of a fork.
        await this.#recordFork(list.slice(i), mine ? toHex(mine) : "");
        consumed = list.length;
        break;
      }
      if (seq !== headSeq + 1 || seq > cap) break; // a gap, or past a revocation: refused at finish
      if (head !== undefined && !bytesEqual(e.entry.prev!, head.hash)) {
        await this.#recordFork(list.slice(i), `chain at ${seq - 1}: ${toHex(head.hash)}`);
        consumed = list.length;
        break;
      }
      accept.push(e);
      head = { seq, hash: e.hash, offset: 0 };
      consumed = i + 1;
    }
    if (accept.length > 0) {
      const now = store.now();
      for (const e of accept) {
        const seen = store.clock.observe(e.entry.hlc, now);
        if (!seen.advanced || e.entry.hlc.wall > now + MAX_DRIFT_MS) {
          store.local.skew[author] = { aheadMs: seen.aheadMs, at: now };
        }
      }
      await store.appendVerified(accept);
      this.result.accepted += accept.length;
    }
    return consumed;
  }

  /** Hash of our stored entry `author#seq` (segment read once per author). */
  async #hashAt(author: DeviceId, seq: number): Promise<Uint8Array | undefined> {
    let hashes = this.#hashes.get(author);
    if (hashes === undefined) this.#hashes.set(author, hashes = await this.#store.hashesOf(author));
    return hashes[seq - 1];
  }

  /**
   * Keep the other branch of a fork (its first entry and what follows it) in
   * `forks/`, never applied, and report it once.
   */
  async #recordFork(branch: SignedEntry[], keptHash: string): Promise<void> {
    const store = this.#store;
    const first = branch[0];
    const author = first.entry.author;
    const other = toHex(first.hash);
    if (
      noteFork(store.local, { author, seq: first.entry.seq, kept: keptHash, other }, store.now())
    ) {
      // Lose neither branch: the other one is kept, never applied.
      await appendRecords(
        `${store.paths.forkDir}/${author.replaceAll("-", "")}.log`,
        branch.map((e) => e.bytes),
      );
    }
    this.result.forks.push({ author, seq: first.entry.seq, kept: keptHash, other });
  }
}
