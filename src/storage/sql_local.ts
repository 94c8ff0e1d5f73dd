/**
 * @module sql_local
 * What a device keeps about itself and its peers that is not replicated, in
 * its database: who it is (`meta`), its clock, per-peer bookkeeping (last
 * seen, last sync, counts, last error, the peer's heads as of the last
 * session, clock skew seen), and small local records (the mesh interface it
 * manages, the last round, its admission entry while peers may not have it).
 */

import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { Db } from "./db.ts";
import { type AdmissionRef, newPeerBook, type PeerBook } from "./local_state.ts";
import type { HintTries } from "./hint_tries.ts";

/** Small local records, by name. */
export interface LocalRecords {
  /** The WireGuard interface `mesh up` manages, while it is up. */
  mesh: { interface: string; port: number; backend: string; pid?: number };
  /** The last `sync now` round. */
  lastRound: { at: number; peers: number; synced: number };
  /** The entry that admitted this device (shown to peers that lack it). */
  admission: AdmissionRef;
  /** Set by `repair`: own writes wait until sync brought our log back to this seq. */
  recoverOwnTo: number;
  /** Devices admitted on an admission entry we did not hold yet, by key hex. */
  provisional: Record<string, { name: string; by: string; seq: number; at: number }>;
  /** Own endpoints this device manages itself (src/mesh/self_endpoints.ts). */
  autoEndpoints: string[];
  /** Days of history this device keeps (null: never compact); default {@link DEFAULT_KEEP_DAYS}. */
  retention: { days: number | null };
  /** The last compaction: when, with which retention, how many entries it dropped. */
  compaction: { at: number; keepDays: number; dropped: number };
  /**
   * Why each chain starts above seq 1 here, by author hex: its entries up to
   * `seq` were compacted on this device (`at`: when), or came as the state of
   * a checkpoint (`at`: when it was made, `by`: its signer's hex).
   */
  history: Record<string, HistoryBase>;
  /** NAT traversal hints this device acted on, per peer (hint_tries.ts). */
  hintTries: HintTries;
  /**
   * The settings of folders left here (`folder remove`), by folder id, that
   * a join again takes back unless it names them anew: a remove and join
   * is how held deletions are got back, and must not reset `--keep-days`.
   */
  leftSettings: Record<string, { keepDays: number }>;
  /**
   * An earlier release's record of the "now at" notes (kept versions a
   * round dropped because their content was at another path), by folder
   * id: now a row each in `moved_notes`, which takes this record over on
   * its first write and drops it (sql_moved_notes.ts). Kept here so the
   * name is not given to another record.
   */
  movedKept: Record<string, MovedKeptNote[]>;
  /**
   * Attempts of removed devices to sync with this one, by device key hex
   * (src/sync/removed_tries.ts): never replicated, shown by `mesh list`,
   * `doctor` and `status --json`.
   */
  removedTries: Record<string, RemovedTry>;
}

/** A removed device's attempts to connect (see LocalRecords.removedTries). */
export interface RemovedTry {
  /** Attempts counted (a lower bound: see removed_tries.ts). */
  count: number;
  /** When (ms) the last one counted came. */
  at: number;
  /** Where it came from (`host:port`, or what the transport said). */
  from: string;
}

/** A kept version dropped because its content is at another path (see LocalRecords.movedKept). */
export interface MovedKeptNote {
  /** The path whose content it was (folder-relative). */
  path: string;
  /** When it was kept (ms): it expires with the kept versions of that time. */
  kept: number;
  /** Its size in bytes. */
  size: number;
  /** Its content key (src/files/version_content.ts `contentKey`). */
  key: string;
  /** The path that held that content when it was dropped. */
  at: string;
}

/** Why one chain's entries up to `seq` are not stored (see LocalRecords.history). */
export interface HistoryBase {
  seq: number;
  how: "compacted" | "checkpoint";
  at: number;
  by?: string;
}

/** Days of history a device keeps for `mycel log` unless told otherwise. */
export const DEFAULT_KEEP_DAYS = 90;

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    meta: p("SELECT v FROM meta WHERE k = ?"),
    setMeta: p("INSERT OR REPLACE INTO meta VALUES (?, ?)"),
    peer: p("SELECT book FROM peers WHERE key = ?"),
    peers: p("SELECT key, book FROM peers ORDER BY key"),
    setPeer: p("INSERT OR REPLACE INTO peers VALUES (?, ?)"),
    local: p("SELECT v FROM local WHERE k = ?"),
    setLocal: p("INSERT OR REPLACE INTO local VALUES (?, ?)"),
    dropLocal: p("DELETE FROM local WHERE k = ?"),
  };
}

function parseBook(text: string): PeerBook {
  try {
    return { ...newPeerBook(), ...JSON.parse(text) };
  } catch (e) {
    throw new MycelError("corrupt_home", "read peer bookkeeping", "a stored row is damaged", {
      hint: "Run `mycel repair`.",
      cause: e,
    });
  }
}

/** The read side of {@link SqlLocal}: what `Home.local` offers (writes go through HomeWriter). */
export type LocalView = Pick<SqlLocal, "meta" | "peer" | "peers" | "get">;

/**
 * `meta` key holding which fold rules this home's state was folded with
 * ({@link FOLD_RULES}): set at creation, or by the refold a home of an
 * earlier release gets at its first write (home_writer.ts). Absent: folded
 * before it kept what each device had seen of the others (witness.ts).
 */
export const WITNESS_META = "witness_folded";

/**
 * The fold rules of this release: 1, what each device had seen of the
 * others (witness.ts); 2, admissions that disagree on a device's keys
 * (membership.ts `contested`). A home folded with fewer folds again once:
 * otherwise it would keep a state that devices folding the same entries
 * anew no longer reach.
 */
export const FOLD_RULES = 2;

/** Local, non-replicated records of one home. */
export class SqlLocal {
  readonly #s: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.#s = statements(db);
  }

  /** A `meta` value. */
  meta(k: string): unknown {
    return (this.#s.meta.get(k) as { v: unknown } | undefined)?.v;
  }

  /** Set a `meta` value. */
  setMeta(k: string, v: string | number | Uint8Array | null): void {
    this.#s.setMeta.run(k, v);
  }

  /** Bookkeeping about `peer` (fresh when none). */
  peer(peer: DeviceKey): PeerBook {
    const r = this.#s.peer.get(peer.bytes) as { book: string } | undefined;
    return r === undefined ? newPeerBook() : parseBook(r.book);
  }

  /** Bookkeeping about every peer we have any. */
  peers(): Map<DeviceKey, PeerBook> {
    const out = new Map<DeviceKey, PeerBook>();
    for (const r of this.#s.peers.all() as { key: Uint8Array; book: string }[]) {
      out.set(DeviceKey.of(r.key), parseBook(r.book));
    }
    return out;
  }

  /** Replace the bookkeeping about `peer`. */
  setPeer(peer: DeviceKey, book: PeerBook): void {
    this.#s.setPeer.run(peer.bytes, JSON.stringify(book));
  }

  /** A local record. */
  get<K extends keyof LocalRecords>(k: K): LocalRecords[K] | undefined {
    const r = this.#s.local.get(k) as { v: string } | undefined;
    return r === undefined ? undefined : JSON.parse(r.v);
  }

  /** Set (or with undefined, drop) a local record. */
  set<K extends keyof LocalRecords>(k: K, v: LocalRecords[K] | undefined): void {
    if (v === undefined) this.#s.dropLocal.run(k);
    else this.#s.setLocal.run(k, JSON.stringify(v));
  }
}
