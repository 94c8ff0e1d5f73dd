/**
 * @module home_writer
 * What one write transaction on a home can do: commit this device's ops as
 * one signed entry, take in entries from peers (checked by src/log/ingest.ts
 * before anything is stored), record a session's outcome, set local records.
 * Everything done through one writer commits together or not at all.
 * What a writer is built from is writer_parts.ts; the ingest target it
 * hands the log's ingest is ingest_target.ts.
 */

import { MycelError } from "../errors.ts";
import type { Checkpoint } from "../log/checkpoint.ts";
import type { PartedHead } from "../log/checkpoint_parts_decode.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceKeys } from "../log/identity.ts";
import { createEntryNow, type SignedEntry } from "../log/entry.ts";
import { foldEntry } from "../log/fold.ts";
import { Ingest, type IngestResult, needsRefold } from "../log/ingest.ts";
import type { Op } from "../log/ops.ts";
import type { StateView } from "../log/state.ts";
import type { CompactionPlan } from "./compaction.ts";
import type { ImportResult } from "./home_checkpoint.ts";
import type { PeerBook } from "./local_state.ts";
import { refold } from "./refold.ts";
import { FOLD_RULES, type LocalRecords, WITNESS_META } from "./sql_local.ts";
import type { SqlFolderLocal } from "./sql_folder_local.ts";
import { ingestTarget } from "./ingest_target.ts";
import type { WriterParts } from "./writer_parts.ts";
import { SigningUnready } from "./signing_unready.ts";
import type { NowSigner } from "../log/sign_now.ts";
import { lazyImport } from "../lazy_import.ts";

/**
 * Make signing with `keys` ready before a transaction begins (home_writes.ts,
 * home_create.ts): the code loaded and the curve's tables built (sign_now.ts
 * `ready`). Returns the signer a writer's commit then uses.
 */
export async function readySigning(keys: DeviceKeys): Promise<NowSigner> {
  const { nowSigner } = await lazyImport<typeof import("../log/sign_now.ts")>(
    new URL("../log/sign_now.ts", import.meta.url),
  );
  const signer = nowSigner(keys);
  signer.ready(); // a mismatch is refused when a commit signs
  return signer;
}

/** One transaction's worth of changes. */
export class HomeWriter {
  readonly #p: WriterParts;
  readonly #target: ReturnType<typeof ingestTarget>;
  #refold = false;
  /** A commit found signing unready (see {@link commit}): the transaction must not commit. */
  #unready = false;
  /** Entries this device committed in this transaction. */
  committed = 0;

  constructor(parts: WriterParts) {
    this.#p = parts;
    this.#target = ingestTarget(parts, (e) => this.#observe(e));
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
   * Resolves to undefined when there is nothing to commit. Done with no
   * turn of the event loop (see #commitNow); a promise, as it always was.
   */
  commit(ops: readonly Op[]): Promise<SignedEntry | undefined> {
    try {
      return Promise.resolve(this.#commitNow(ops));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #commitNow(ops: readonly Op[]): SignedEntry | undefined {
    if (ops.length === 0) return undefined;
    this.#target.settle(); // our head as the log holds it, even mid-ingest
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
    // Signed with no turn of the event loop (sign_now.ts): this transaction
    // holds the home, and what else the process does meanwhile (a fetch)
    // must not run inside it. Nor are the keys read here: a keyring tool
    // waiting for an unlock, a passphrase prompt or scrypt would hold every
    // other process of the home (a `sync serve`) for as long. Unless they
    // were read before the transaction began, it ends here, unapplied, and
    // Home.write reads them and runs it again (home_writes.ts).
    const signer = this.#p.signer();
    if (signer === undefined) {
      this.#unready = true; // even if the caller swallows the throw (see finish)
      throw new SigningUnready();
    }
    const entry = createEntryNow(signer, {
      seq: (head?.seq ?? 0) + 1,
      prev: head?.hash ?? null,
      hlc: this.#p.clock.now(this.#p.now()),
      ops,
    });
    log.append(entry);
    if (foldEntry(this.#p.state, entry.entry).refold || needsRefold(log, entry.entry)) {
      this.#refold = true;
    }
    this.committed++;
    return entry;
  }

  /** A new ingest of a peer's entries into this transaction (`trusted`, `salvage`: see Ingest). */
  ingest(trusted?: ReadonlySet<DeviceKey>, salvage = false): Ingest {
    return new Ingest(this.#target, trusted, salvage);
  }

  /** Push a batch into an ingest bound to this home (see Home.ingestStream). */
  async pushIngest(
    ingest: Ingest,
    raw: readonly Uint8Array[],
    hashes?: readonly Uint8Array[],
  ): Promise<void> {
    ingest.moveTo(this.#target); // it may have begun in an earlier transaction
    await ingest.push(raw, hashes);
    if (ingest.result.refold) this.#refold = true;
  }

  /** Join a checkpoint (already read, signer checked) into this home. */
  async takeCheckpoint(cp: Checkpoint): Promise<ImportResult> {
    const { checkpointIn } = await lazyImport<typeof import("./home_checkpoint.ts")>(
      new URL("./home_checkpoint.ts", import.meta.url),
    );
    const before = this.#p.log.heads();
    const result = await checkpointIn(this.#p.db, this.#p.state, this.#p.log, cp);
    this.#taken(result, before, cp);
    return result;
  }

  /**
   * Take a checkpoint in parts whose head is read and its signer checked;
   * `next` gives the parts in order, then undefined (checkpoint_parts_in.ts:
   * only into a home with no state of its own).
   */
  async takeParted(
    head: PartedHead,
    next: (size: number) => Promise<Uint8Array | undefined>,
  ): Promise<ImportResult> {
    const { partedIn } = await lazyImport<typeof import("./checkpoint_parts_in.ts")>(
      new URL("./checkpoint_parts_in.ts", import.meta.url),
    );
    const before = this.#p.log.heads();
    const result = await partedIn(this.#p.db, this.#p.state, this.#p.log, head, next);
    this.#taken(result, before, head);
    return result;
  }

  #taken(
    result: ImportResult,
    before: ReadonlyMap<DeviceKey, { readonly seq: number }>,
    cp: Pick<Checkpoint, "frontier" | "made" | "signer">,
  ): void {
    if (result.cutNarrowed || result.rebased) this.#refold = true;
    // `mycel log` says where the chains it moved now start, and why.
    const history = this.#p.local.get("history") ?? {};
    for (const f of cp.frontier) {
      if ((before.get(f.author)?.seq ?? 0) >= f.seq) continue;
      history[f.author.hex] = { seq: f.seq, how: "checkpoint", at: cp.made, by: cp.signer.hex };
    }
    this.#p.local.set("history", history);
  }

  /**
   * Apply a compaction planned outside the lock (see compaction.ts); returns
   * why it was not applied, or undefined. Records where each chain now
   * starts and when, for `mycel log`.
   */
  async applyCompaction(plan: CompactionPlan): Promise<string | undefined> {
    const { applyCompaction } = await lazyImport<typeof import("./compaction.ts")>(
      new URL("./compaction.ts", import.meta.url),
    );
    const why = applyCompaction(this.#p.db, this.#p.log, plan);
    if (why !== undefined || plan.moves.length === 0) return why;
    const history = this.#p.local.get("history") ?? {};
    const at = this.#p.now();
    for (const m of plan.moves) history[m.author.hex] = { seq: m.to, how: "compacted", at };
    this.#p.local.set("history", history);
    return undefined;
  }

  /** Delete up to about `limit` stored entries their chain's base covers; returns how many. */
  async dropCovered(limit: number): Promise<number> {
    const { dropCovered } = await lazyImport<typeof import("./compaction.ts")>(
      new URL("./compaction.ts", import.meta.url),
    );
    return dropCovered(this.#p.db, limit);
  }

  /** Finish an ingest: what still waits is refused; a narrowed cut triggers a refold. */
  finishIngest(ingest: Ingest): IngestResult {
    ingest.moveTo(this.#target);
    const result = ingest.finish();
    this.#target.settle();
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

  /**
   * Persist the clock; refold when a removal cut into folded entries, or
   * once in a home whose state was folded with an earlier release's rules
   * (sql_local.ts `FOLD_RULES`: what each device had seen of the others,
   * admissions that disagree): otherwise it would keep a state, or cut a
   * later removal, unlike a device that folded the same entries anew.
   */
  async finish(): Promise<void> {
    if (this.#unready) throw new SigningUnready();
    this.#target.settle();
    const stale = this.#p.local.meta(WITNESS_META) !== FOLD_RULES;
    if (this.#refold || stale) {
      await refold(this.#p.db, this.#p.state, this.#p.log, this.#p.device);
    }
    if (stale) this.#p.local.setMeta(WITNESS_META, FOLD_RULES);
    this.#p.state.flush();
    this.#refold = false;
    const last = this.#p.clock.last;
    this.#p.local.setMeta("clock_wall", last.wall);
    this.#p.local.setMeta("clock_counter", last.counter);
  }
}
