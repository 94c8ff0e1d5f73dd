/**
 * @module home_writer
 * What one write transaction on a home can do: commit this device's ops as
 * one signed entry, take in entries from peers (checked by src/log/ingest.ts
 * before anything is stored), record a session's outcome, set local records.
 * Everything done through one writer commits together or not at all.
 */

import type { HlcClock } from "../crdt/hlc.ts";
import { MycelError } from "../errors.ts";
import type { Checkpoint } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { createEntry, type SignedEntry } from "../log/entry.ts";
import { foldEntry } from "../log/fold.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { Ingest, type IngestResult, type LogTarget } from "../log/ingest.ts";
import type { Op } from "../log/ops.ts";
import type { StateView } from "../log/state.ts";
import type { ImportResult } from "./home_checkpoint.ts";
import type { Db } from "./db.ts";
import type { HomePaths } from "./home.ts";
import type { PeerBook } from "./local_state.ts";
import { refold } from "./refold.ts";
import type { LocalRecords, SqlLocal } from "./sql_local.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";
import type { SqlFolderLocal } from "./sql_folder_local.ts";

/** What a writer is built from (see home_handle.ts). */
export interface WriterParts {
  db: Db;
  paths: HomePaths;
  device: DeviceKey;
  state: SqlState;
  log: SqlLog;
  local: SqlLocal;
  folderLocal: SqlFolderLocal;
  clock: HlcClock;
  now: () => number;
  keys: () => Promise<DeviceKeys>;
}

/** The ingest target: the state and the logs of this transaction, and our clock. */
function target(p: WriterParts, onAppend: (e: SignedEntry) => void): LogTarget {
  const { state, log } = p;
  return {
    space: (s) => state.space(s),
    seen: (a) => state.seen(a),
    setSeen: (a, seq) => state.setSeen(a, seq),
    addApp: (n) => state.addApp(n),
    member: (k) => state.member(k),
    putMember: (k, r) => state.putMember(k, r),
    folders: () => state.folders(),
    head: (a) => log.head(a),
    hashAt: (a, seq) => log.hashAt(a, seq),
    append: (e) => {
      log.append(e);
      onAppend(e);
    },
    setAside: (e, reason) => log.setAside(e, reason),
    takeWaiting: (a) => log.takeWaiting(a),
    noteFork: (a, seq, kept, other) => log.noteFork(a, seq, kept, other),
  };
}

/** One transaction's worth of changes. */
export class HomeWriter {
  readonly #p: WriterParts;
  readonly #target: LogTarget;
  #refold = false;
  /** Entries this device committed in this transaction. */
  committed = 0;

  constructor(parts: WriterParts) {
    this.#p = parts;
    this.#target = target(parts, (e) => this.#observe(e));
  }

  /** The replicated state as this transaction sees it. */
  get view(): StateView {
    return this.#p.state.view;
  }

  /** This device. */
  get device(): DeviceKey {
    return this.#p.device;
  }

  /** Synced folders' local records: index, chunk places, blobs, transfers. */
  get folderLocal(): SqlFolderLocal {
    return this.#p.folderLocal;
  }

  /** Remote stamps move our clock, except ones too far ahead (reported as skew instead). */
  #observe(e: SignedEntry): void {
    if (e.entry.author !== this.#p.device) this.#p.clock.observe(e.entry.hlc, this.#p.now());
  }

  /**
   * Commit `ops` as one entry signed by this device, stored and folded.
   * Returns undefined when there is nothing to commit.
   */
  async commit(ops: readonly Op[]): Promise<SignedEntry | undefined> {
    if (ops.length === 0) return undefined;
    const { log, local, device } = this.#p;
    const head = log.head(device);
    const recover = local.get("recoverOwnTo");
    if (recover !== undefined && (head?.seq ?? 0) < recover) {
      throw new MycelError(
        "recovering",
        "write change",
        "this device's log is being recovered after damage",
        {
          value: `have ${head?.seq ?? 0} of ${recover} entries`,
          hint: "Run `mycel sync now` to fetch the missing entries from a peer; then try again.",
        },
      );
    }
    const { Signer } = await import("../log/identity.ts");
    const entry = await createEntry(new Signer(await this.#p.keys()), {
      seq: (head?.seq ?? 0) + 1,
      prev: head?.hash ?? null,
      hlc: this.#p.clock.now(this.#p.now()),
      ops,
    });
    log.append(entry);
    if (foldEntry(this.#p.state, entry.entry).refold) this.#refold = true;
    this.committed++;
    return entry;
  }

  /** A new ingest of a peer's entries into this transaction (`trusted`, `salvage`: see Ingest). */
  ingest(trusted?: ReadonlySet<DeviceKey>, salvage = false): Ingest {
    return new Ingest(this.#target, trusted, salvage);
  }

  /** Push a batch into an ingest bound to this home (see Home.ingestStream). */
  async pushIngest(ingest: Ingest, raw: readonly Uint8Array[]): Promise<void> {
    await ingest.push(raw);
    if (ingest.result.refold) this.#refold = true;
  }

  /** Join a checkpoint (already read, signer checked) into this home. */
  async takeCheckpoint(cp: Checkpoint): Promise<ImportResult> {
    const { checkpointIn } = await import("./home_checkpoint.ts");
    const result = await checkpointIn(this.#p.db, this.#p.state, this.#p.log, cp);
    if (result.cutNarrowed) this.#refold = true;
    return result;
  }

  /** Finish an ingest: what still waits is refused; a narrowed cut triggers a refold. */
  finishIngest(ingest: Ingest): IngestResult {
    const result = ingest.finish();
    if (result.refold) this.#refold = true;
    const recover = this.#p.local.get("recoverOwnTo");
    if (recover !== undefined && (this.#p.log.head(this.#p.device)?.seq ?? 0) >= recover) {
      this.#p.local.set("recoverOwnTo", undefined); // sync brought our own log back
    }
    return result;
  }

  /** Update the bookkeeping about `peer`. */
  peer(peer: DeviceKey, update: (book: PeerBook) => void): void {
    const book = this.#p.local.peer(peer);
    update(book);
    this.#p.local.setPeer(peer, book);
  }

  /** Set (or drop) a local record. */
  setLocal<K extends keyof LocalRecords>(k: K, v: LocalRecords[K] | undefined): void {
    this.#p.local.set(k, v);
  }

  /** Keep the Noise key pair in the database, or (null) stop keeping it (see Home.noiseKeys). */
  setNoiseKeys(pair: { publicKey: Uint8Array; privateKey: Uint8Array } | null): void {
    this.#p.local.setMeta("noise_public", pair?.publicKey ?? null);
    this.#p.local.setMeta("noise_private", pair?.privateKey ?? null);
  }

  /** Move this home into mesh `meshId` (pairing). */
  setMesh(meshId: string): void {
    this.#p.local.setMeta("mesh", meshId);
  }

  /** Persist the clock; refold when a removal cut into folded entries. */
  async finish(): Promise<void> {
    if (this.#refold) await refold(this.#p.db, this.#p.state, this.#p.log, this.#p.device);
    this.#refold = false;
    const last = this.#p.clock.last;
    this.#p.local.setMeta("clock_wall", last.wall);
    this.#p.local.setMeta("clock_counter", last.counter);
  }
}
