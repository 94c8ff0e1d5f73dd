/**
 * @module store
 * A device's state on disk, opened for one short-lived command.
 *
 * Load: read the snapshot, then replay every log record past the offsets it
 * covers (entries appended by a command that crashed before replacing the
 * snapshot). Write: append the signed entry to the author's segment and fsync
 * it — from then on the change survives a crash — then replace the snapshot
 * atomically with {@link Store.save}. Writers hold one exclusive lock;
 * readers take none: the snapshot is replaced by rename and a torn segment
 * tail is ignored, so they never see a torn state.
 */

import { HlcClock } from "../crdt/hlc.ts";
import { MycelError } from "../errors.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { SignedEntry } from "../log/entry.ts";
import type { DeviceKeys, Signer } from "../log/identity.ts";
import type { Op } from "../log/ops.ts";
import { MeshState } from "../log/state.ts";
import { plainState, stateFromPlain } from "../log/state_codec.ts";
import { type HomePaths, homePaths } from "./home.ts";
import { readHomeInfo } from "./home_info.ts";
import type { LocalState } from "./local_state.ts";
import { appendRecords } from "./segment.ts";
import { decodeSnapshot, encodeSnapshot, type StoredHead } from "./snapshot.ts";
import { writeFileAtomic } from "./atomic.ts";
import { acquireLock, type HeldLock } from "./lock.ts";
import { needsReplay, segmentFiles, segmentPath } from "./log_dir.ts";

/**
 * Remove temp files a killed writer left behind. Only called under the
 * writers' lock: every temp file is written under it, so none is in use.
 */
async function sweepTempFiles(root: string): Promise<void> {
  try {
    for await (const f of Deno.readDir(root)) {
      if (f.isFile && /\.\d+\.[0-9a-f]{8}\.tmp$/.test(f.name)) {
        await Deno.remove(`${root}/${f.name}`).catch(() => {});
      }
    }
  } catch {
    // a missing or unreadable folder is reported by the steps that need it
  }
}

/** How a command opens the store. */
export interface OpenOptions {
  /** Take the writers' lock (needed to append or save). */
  write: boolean;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
  /** How long to wait for the lock (ms). */
  lockTimeoutMs?: number;
  /** Receives non-fatal warnings (e.g. a snapshot rebuilt from the log). */
  warn?: (message: string) => void;
  /** Environment lookup (for MYCEL_PASSPHRASE). */
  env?: (name: string) => string | undefined;
  /** A lock the caller already holds (released by {@link Store.close}). */
  lock?: HeldLock;
}

/** An open home: replicated state, heads, local bookkeeping. */
export class Store {
  /** Paths inside the home. */
  readonly paths: HomePaths;
  /** The folded replicated state. */
  readonly state: MeshState;
  /** Head of each author's chain. */
  readonly heads: Map<DeviceId, StoredHead>;
  /** Local, non-replicated bookkeeping. */
  readonly local: LocalState;
  /** This device's clock. */
  readonly clock: HlcClock;
  readonly #lock?: HeldLock;
  readonly #now: () => number;
  readonly #env: (name: string) => string | undefined;
  #signer?: Signer;
  #keys?: DeviceKeys;
  /** Local entries committed since the store was opened. */
  committed = 0;

  private constructor(
    paths: HomePaths,
    parts: { state: MeshState; heads: Map<DeviceId, StoredHead>; local: LocalState },
    lock: HeldLock | undefined,
    options: OpenOptions,
  ) {
    this.paths = paths;
    this.state = parts.state;
    this.heads = parts.heads;
    this.local = parts.local;
    this.clock = new HlcClock(parts.local.deviceId, parts.local.clock);
    this.#lock = lock;
    this.#now = options.now ?? Date.now;
    this.#env = options.env ?? ((n) => Deno.env.get(n));
  }

  /** True when `root` holds an initialised home. */
  static async exists(root: string): Promise<boolean> {
    try {
      await Deno.stat(homePaths(root).info);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      throw e;
    }
  }

  /**
   * Open the home at `root`. Throws `not_initialized` when there is none, and
   * `corrupt_log` naming the file when a segment is damaged.
   */
  static async open(root: string, options: OpenOptions): Promise<Store> {
    const paths = homePaths(root);
    const info = await readHomeInfo(paths);
    const lock = options.lock ??
      (options.write ? await acquireLock(paths.lock, options.lockTimeoutMs ?? 60_000) : undefined);
    try {
      if (lock !== undefined) await sweepTempFiles(paths.root);
      const snap = await Store.#readSnapshot(paths, options, lock !== undefined);
      const state = snap ? stateFromPlain(snap.state) : new MeshState();
      const heads = snap?.heads ?? new Map<DeviceId, StoredHead>();
      const local: LocalState = snap?.local ??
        {
          meshId: info.mesh,
          deviceId: info.device,
          clock: { wall: 0, counter: 0 },
          peers: {},
          forks: [],
          skew: {},
        };
      local.meshId = info.mesh;
      local.deviceId = info.device;
      const clock = new HlcClock(info.device, local.clock);
      const files = await segmentFiles(paths);
      // Load the entry codec only when some record awaits replay.
      const { replaySegments } = needsReplay(files, heads)
        ? await import("./replay.ts")
        : { replaySegments: null };
      await replaySegments?.(paths, state, heads, {
        truncateTorn: lock !== undefined,
        // Own entries replayed past a lost or stale snapshot must still move
        // the clock, or the next local stamp could be older than them.
        onEntry: (e) => {
          if (e.author === info.device) clock.observe(e.hlc, e.hlc.wall);
        },
      });
      local.clock = { wall: clock.last.wall, counter: clock.last.counter };
      return new Store(paths, { state, heads, local }, lock, options);
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  static async #readSnapshot(paths: HomePaths, options: OpenOptions, writable: boolean) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(paths.snapshot);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
    try {
      const snap = await decodeSnapshot(bytes);
      stateFromPlain(snap.state); // validate now so damage is reported here
      return snap;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      let kept = "";
      if (writable) {
        kept = `${paths.snapshot}.damaged-${Date.now()}`;
        await Deno.rename(paths.snapshot, kept);
      }
      (options.warn ?? console.error)(
        `warning: state snapshot ${paths.snapshot} is damaged (${reason}); rebuilt it from the log` +
          (kept ? ` and kept the damaged file as ${kept}` : ""),
      );
      return undefined;
    }
  }

  /** This device's id. */
  get deviceId(): DeviceId {
    return this.local.deviceId;
  }

  /** Current wall time (ms) from the injected clock. */
  now(): number {
    return this.#now();
  }

  /** This device's keys (read once, from wherever the home keeps them). */
  async keys(): Promise<DeviceKeys> {
    const { loadDeviceKeys } = await import("./key_home.ts");
    this.#keys ??= await loadDeviceKeys(this.paths, this.#env, { device: this.deviceId });
    return this.#keys;
  }

  /** Use `keys` instead of reading them (right after `init`). */
  useKeys(keys: DeviceKeys): void {
    this.#keys = keys;
    this.#signer = undefined;
  }

  #requireWritable(action: string): void {
    if (this.#lock === undefined) {
      throw new MycelError("internal", action, "the store was opened read-only");
    }
  }

  /**
   * Append one signed entry holding `ops` to this device's log, fsync it and
   * apply it. Once this returns the change survives a crash.
   */
  async commit(ops: readonly Op[]): Promise<SignedEntry> {
    this.#requireWritable("write change");
    const recover = this.local.recoverOwnTo;
    const have = this.heads.get(this.deviceId)?.seq ?? 0;
    if (recover !== undefined && have < recover) {
      throw new MycelError(
        "recovering",
        "write change",
        "this device's log is being recovered after damage",
        {
          value: `have ${have} of ${recover} entries`,
          hint: "Run `mycel sync now` to fetch the missing entries from a peer; then try again.",
        },
      );
    }
    const { Signer } = await import("../log/identity.ts");
    const { createEntry } = await import("../log/entry.ts");
    this.#signer ??= new Signer(await this.keys());
    const head = this.heads.get(this.deviceId);
    const hlc = this.clock.now(this.#now());
    const entry = await createEntry(this.#signer, {
      seq: (head?.seq ?? 0) + 1,
      prev: head?.hash ?? null,
      hlc,
      ops,
    });
    await this.appendVerified([entry]);
    this.committed++;
    return entry;
  }

  /**
   * Append entries that are already verified to extend their authors' chains
   * (in order), fsync, and apply them. Used by commit and by sync.
   */
  async appendVerified(entries: readonly SignedEntry[]): Promise<void> {
    this.#requireWritable("store entries");
    const byAuthor = new Map<DeviceId, SignedEntry[]>();
    for (const e of entries) {
      const list = byAuthor.get(e.entry.author) ?? [];
      list.push(e);
      byAuthor.set(e.entry.author, list);
    }
    for (const [author, list] of byAuthor) {
      const end = await appendRecords(segmentPath(this.paths, author), list.map((e) => e.bytes));
      const last = list[list.length - 1];
      for (const e of list) this.state.apply(e.entry);
      this.heads.set(author, { seq: last.entry.seq, hash: last.hash, offset: end });
    }
    const recover = this.local.recoverOwnTo;
    if (recover !== undefined && (this.heads.get(this.deviceId)?.seq ?? 0) >= recover) {
      delete this.local.recoverOwnTo; // sync brought our own log back
    }
    this.local.clock = { wall: this.clock.last.wall, counter: this.clock.last.counter };
  }

  /** Stored entries of `author` with seq > `afterSeq` (at most `limit`), in order. */
  async entriesAfter(author: DeviceId, afterSeq: number, limit = Infinity): Promise<SignedEntry[]> {
    const { readSegmentEntries } = await import("./replay.ts");
    return await readSegmentEntries(this.paths, author, this.heads.get(author), afterSeq, limit);
  }

  /** Hashes of `author`'s stored entries (index i: seq i + 1), without decoding them. */
  async hashesOf(author: DeviceId): Promise<Uint8Array[]> {
    const { segmentHashes } = await import("./replay.ts");
    return await segmentHashes(this.paths, author, this.heads.get(author));
  }

  /** Replace the snapshot atomically with the current state. */
  async save(): Promise<void> {
    this.#requireWritable("save state");
    this.local.clock = { wall: this.clock.last.wall, counter: this.clock.last.counter };
    const bytes = await encodeSnapshot({
      state: plainState(this.state),
      heads: this.heads,
      local: this.local,
    });
    await writeFileAtomic(this.paths.snapshot, bytes);
  }

  /** Release the lock (idempotent). */
  close(): void {
    this.#lock?.release();
  }
}
