/**
 * @module repair
 * `mycel repair`: after damage, keep everything intact and rebuild the rest.
 *
 * Damage is found by SQLite's integrity check and by checking every stored
 * entry (its hash, its chain, its signature). Repair salvages, row range by
 * row range so one damaged page costs only the rows on it, every entry it
 * can still read — from the chains and from what was kept aside — plus who
 * the device is, its clock and its bookkeeping; builds a fresh database from
 * them, where every entry passes the same checks as entries from a peer; and
 * renames the damaged database aside (`mycel.db.damaged-<time>`, never
 * deleted). Entries of a chain after a gap wait aside until sync brings back
 * what is missing, then fold. When this device's own log has a gap and other
 * devices exist, new local writes wait until a sync has brought the missing
 * entries back, so the device never signs a second, different entry for a
 * seq a peer may hold (`--accept-loss` lifts that).
 */

import { HlcClock } from "../crdt/hlc.ts";
import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry, type SignedEntry, verifyEntrySignature } from "../log/entry.ts";
import { readCheckpoint } from "../log/checkpoint.ts";
import { mergeState } from "../log/state_merge.ts";
import { syncDir } from "./atomic.ts";
import { readBase, storeBase } from "./base_state.ts";
import { currentCaller, guardHome, handBack } from "./home_guard.ts";
import { type Db, guard, inTransaction, openReadOnly, openWritable } from "./db.ts";
import { type FolderTables, restoreFolders, salvageFolders } from "./repair_folders.ts";
import { exists } from "./fs_probe.ts";
import { type HomePaths, homePaths, notInitialized } from "./home.ts";
import { HomeWriter, offlineParts } from "./home_writer.ts";
import type { PeerBook } from "./local_state.ts";
import { createSchema } from "./schema.ts";
import { FOLD_RULES, SqlLocal, WITNESS_META } from "./sql_local.ts";
import { SqlLog } from "./sql_log.ts";

/** What repair found and did. */
export interface RepairReport {
  /** Problems found (empty: the home was intact). */
  damage: string[];
  /** Entries kept in chains, and kept aside (waiting for what a gap lost). */
  kept: number;
  waiting: number;
  /** Entries that could not be read back or failed their checks. */
  lost: number;
  /** Where the damaged database was kept, if it was replaced. */
  setAside?: string;
  /** This device's own log lost entries: writes wait until sync brought it back to this seq. */
  recoverOwnTo?: number;
}

/** The base's bytes ({@link readBase}), or undefined when there is none or its row is unreadable. */
function baseOf(db: Db): Uint8Array | undefined {
  return tryAll(() => [readBase(db)])?.[0];
}

function tryAll<T>(fn: () => T[]): T[] | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Rows of `sql` (with `?` for after, limit) read in ranges; a damaged range is split down to single rows. */
function salvage(
  db: Db,
  author: Uint8Array | undefined,
  max: number,
): { bytes: Uint8Array[]; bad: number } {
  const out: Uint8Array[] = [];
  let bad = 0;
  const stmt = author === undefined
    ? db.prepare("SELECT bytes FROM aside WHERE rowid > ? AND rowid <= ?")
    : db.prepare(
      "SELECT bytes FROM entries WHERE author = ? AND seq > ? AND seq <= ? ORDER BY seq",
    );
  const read = (lo: number, hi: number): void => {
    const rows = tryAll(() =>
      (author === undefined ? stmt.all(lo, hi) : stmt.all(author, lo, hi)) as {
        bytes: Uint8Array;
      }[]
    );
    if (rows !== undefined) {
      for (const r of rows) out.push(r.bytes);
      return;
    }
    if (hi - lo <= 1) {
      bad++;
      return;
    }
    const mid = Math.floor((lo + hi) / 2);
    read(lo, mid);
    read(mid, hi);
  };
  for (let lo = 0; lo < max; lo += 4096) read(lo, Math.min(max, lo + 4096));
  return { bytes: out, bad };
}

interface Salvaged {
  device: Uint8Array;
  mesh: string;
  clock: { wall: number; counter: number };
  noise?: [Uint8Array, Uint8Array];
  entries: SignedEntry[];
  /** The highest seq of each author the damaged database claimed (heads, entries), by key hex. */
  claimed: Map<string, number>;
  peers: [Uint8Array, string][];
  local: [string, string][];
  /**
   * The checkpoint base the home started from (a joiner holds its peers'
   * early history only there) and where each chain starts after it: without
   * them a repaired joiner lost its peers' admissions, so its peers, and
   * every peer refused it for good.
   */
  base?: Uint8Array;
  starts: { author: Uint8Array; seq: number; hash: Uint8Array }[];
  /** The folders synced here (where each lives): rows of folder_local. */
  folders: unknown[][];
  /** Their index, chunk places, transfers, blobs, and the folders left here (repair_folders.ts). */
  folderTables: FolderTables;
  unreadable: number;
}

function salvageAll(db: Db): Salvaged {
  const folders =
    tryAll(() =>
      (db.prepare("SELECT * FROM folder_local").all() as Record<string, unknown>[]).map((r) =>
        Object.values(r)
      )
    ) ?? [];
  const meta = new Map(
    tryAll(() => db.prepare("SELECT k, v FROM meta").all() as { k: string; v: unknown }[])?.map((
      r,
    ) => [r.k, r.v]) ?? [],
  );
  const heads =
    tryAll(() =>
      db.prepare("SELECT author, seq FROM heads").all() as { author: Uint8Array; seq: number }[]
    ) ?? [];
  // Authors whose head row is lost still show up in the entries index.
  const authors =
    tryAll(() =>
      db.prepare("SELECT DISTINCT author FROM entries").all() as { author: Uint8Array }[]
    ) ?? [];
  const maxSeq = new Map<string, { author: Uint8Array; seq: number }>();
  for (const r of [...heads, ...authors.map((a) => ({ author: a.author, seq: 0 }))]) {
    const k = DeviceKey.of(r.author).hex;
    const seq = Math.max(
      r.seq,
      tryAll(() => [db.prepare("SELECT max(seq) AS m FROM entries WHERE author = ?").get(r.author)])
        ?.[0]?.m as number ?? 0,
    );
    maxSeq.set(k, { author: r.author, seq: Math.max(seq, maxSeq.get(k)?.seq ?? 0) });
  }
  let unreadable = 0;
  const raw: Uint8Array[] = [];
  for (const { author, seq } of maxSeq.values()) {
    const s = salvage(db, author, seq + 4096);
    raw.push(...s.bytes);
    unreadable += s.bad;
  }
  const asideMax =
    (tryAll(() => [db.prepare("SELECT max(rowid) AS m FROM aside").get()])?.[0]?.m as number) ?? 0;
  const aside = asideMax > 0 ? salvage(db, undefined, asideMax + 1) : { bytes: [], bad: 0 };
  raw.push(...aside.bytes);
  unreadable += aside.bad;
  const entries: SignedEntry[] = [];
  for (const b of raw) {
    try {
      entries.push(decodeSignedEntry(b));
    } catch {
      unreadable++;
    }
  }
  return {
    device: meta.get("device") as Uint8Array,
    mesh: String(meta.get("mesh") ?? ""),
    clock: {
      wall: Number(meta.get("clock_wall") ?? 0),
      counter: Number(meta.get("clock_counter") ?? 0),
    },
    noise: meta.get("noise_public") instanceof Uint8Array &&
        meta.get("noise_private") instanceof Uint8Array
      ? [meta.get("noise_public") as Uint8Array, meta.get("noise_private") as Uint8Array]
      : undefined,
    entries,
    claimed: new Map([...maxSeq].map(([k, v]) => [k, v.seq])),
    peers:
      (tryAll(() =>
        db.prepare("SELECT key, book FROM peers").all() as { key: Uint8Array; book: string }[]
      ) ?? [])
        .map((r) => [r.key, r.book]),
    local:
      (tryAll(() => db.prepare("SELECT k, v FROM local").all() as { k: string; v: string }[]) ?? [])
        .map((r) => [r.k, r.v]),
    base: baseOf(db),
    starts:
      tryAll(() =>
        db.prepare("SELECT author, base AS seq, base_hash AS hash FROM heads WHERE base > 0")
          .all() as { author: Uint8Array; seq: number; hash: Uint8Array }[]
      ) ?? [],
    folders,
    folderTables: salvageFolders(db, folders.map((r) => String(r[0]))),
    unreadable,
  };
}

/**
 * Problems with the stored entries (empty when intact): every entry decodes,
 * its hash matches its bytes, it follows the one before, and each chain's
 * last entry's signature verifies (which, through the chain, covers the rest).
 * Read through a damaged page, a query may fail: that is a problem too.
 */
export async function entryProblems(db: Db): Promise<string[]> {
  const problems: string[] = [];
  const log = new SqlLog(db, Date.now);
  for (const [author, head] of log.heads()) {
    let prev: SignedEntry | undefined;
    let lastSeq = head.base;
    for (let after = head.base;;) {
      const batch = log.range(author, after, undefined, 1000);
      for (const bytes of batch) {
        lastSeq++;
        let e: SignedEntry;
        try {
          e = decodeSignedEntry(bytes);
        } catch (err) {
          problems.push(`${author.short}#${lastSeq} cannot be read: ${(err as Error).message}`);
          prev = undefined;
          continue;
        }
        lastSeq = e.entry.seq;
        if (
          prev !== undefined &&
          (e.entry.seq !== prev.entry.seq + 1 || !e.entry.prev ||
            e.entry.prev.some((b, i) => b !== prev!.hash[i]))
        ) {
          problems.push(`${author.short}#${e.entry.seq} does not follow #${prev.entry.seq}`);
        }
        const stored = log.hashAt(author, e.entry.seq)!;
        if (stored.some((b, i) => b !== e.hash[i])) {
          problems.push(`${author.short}#${e.entry.seq} does not match its hash`);
        }
        prev = e;
      }
      if (batch.length < 1000) break;
      after += batch.length;
    }
    if (prev && !(await verifyEntrySignature(prev))) {
      problems.push(`${author.short}'s last entry does not verify`);
    }
  }
  // The checkpoint the home started from holds its peers' history before it:
  // unreadable, it is damage to name (repair cannot keep it), not to pass over.
  const base = baseOf(db);
  if (base !== undefined && (await readBaseState(base)) === undefined) {
    problems.push(
      "the checkpoint this home started from cannot be read back (the history before it is " +
        "not kept; a peer sends it again)",
    );
  }
  return problems;
}

/** Repair the home at `root`. */
export async function repairHome(
  root: string,
  now: () => number,
  options: { acceptLoss?: boolean; env?: (name: string) => string | undefined } = {},
): Promise<RepairReport> {
  const paths = homePaths(root);
  // Another user's home is refused as by every command (root repairing it
  // left a root-owned mycel.db its owner could not open); under sudo the
  // files go back to the invoking user.
  const owner = await guardHome(
    paths,
    currentCaller(options.env ?? ((n: string) => Deno.env.get(n))),
  );
  if (!(await exists(paths.db))) {
    // Nothing to repair: a home never set up, or one still in the old format.
    if (!(await exists(paths.legacy.info))) throw notInitialized(root, "repair mycel home");
    throw new MycelError(
      "not_initialized",
      "repair mycel home",
      "it is still in the format before the database",
      {
        value: root,
        hint: "Run `mycel status` once: it converts the home, then repair can check it.",
      },
    );
  }
  const damage: string[] = [];
  let old: Db | undefined;
  try {
    old = openReadOnly(paths.db);
    damage.push(
      ...guard(
        paths.db,
        "check the mycel home",
        () =>
          (old!.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[])
            .map((r) => r.integrity_check).filter((r) => r !== "ok"),
      ),
    );
    if (damage.length === 0) damage.push(...await entryProblems(old));
  } catch (e) {
    damage.push((e as Error).message);
  }
  if (damage.length === 0) {
    old?.close();
    return { damage, kept: 0, waiting: 0, lost: 0 };
  }
  const salvaged = old ? salvageAll(old) : undefined;
  old?.close();
  if (salvaged?.device?.length !== 32) {
    throw new MycelError(
      "unrepairable",
      "repair mycel home",
      "who this device is cannot be read back",
      {
        value: paths.db,
        hint:
          "Restore the home from a backup, or set this machine up again (`mycel init` in a new home) and pair it.",
      },
    );
  }
  const report = await rebuild(paths, salvaged, now, options.acceptLoss === true);
  await handBack(paths, owner);
  return { ...report, damage };
}

/** The base's state and frontier, or undefined when its bytes do not read back. */
async function readBaseState(bytes: Uint8Array) {
  try {
    return await readCheckpoint(bytes, { unsigned: true });
  } catch {
    return undefined;
  }
}

async function rebuild(paths: HomePaths, s: Salvaged, now: () => number, acceptLoss: boolean) {
  const temp = `${paths.db}.repairing`;
  for (const f of [temp, `${temp}-wal`, `${temp}-shm`]) await Deno.remove(f).catch(() => {});
  const device = DeviceKey.of(s.device);
  const db = await openWritable(temp);
  let kept = 0, waiting = 0, lost = s.unreadable, recoverOwnTo: number | undefined;
  try {
    await inTransaction(db, temp, async () => {
      createSchema(db);
      const local = new SqlLocal(db);
      local.setMeta("device", device.bytes);
      local.setMeta("mesh", s.mesh);
      local.setMeta("created", now());
      local.setMeta(WITNESS_META, FOLD_RULES); // folded anew, with this release's rules
      if (s.noise) {
        local.setMeta("noise_public", s.noise[0]);
        local.setMeta("noise_private", s.noise[1]);
      }
      for (const [k, v] of s.local) {
        db.prepare("INSERT OR REPLACE INTO local VALUES (?, ?)").run(k, v);
      }
      for (const [k, book] of s.peers) local.setPeer(DeviceKey.of(k), JSON.parse(book) as PeerBook);
      const clock = new HlcClock(device.hex, s.clock);
      const parts = offlineParts({ db, paths, device, local, clock, now }, "repair");
      const log = parts.log;
      // The base first: its state (members included) is what the entries
      // after it fold onto, and each chain it covers starts where it ends.
      const base = s.base && await readBaseState(s.base);
      if (base !== undefined) {
        storeBase(db, s.base!);
        mergeState(parts.state, base.state);
        const starts = new Map(base.frontier.map((f) => [f.author.hex, f]));
        for (const r of s.starts) {
          const author = DeviceKey.of(r.author);
          if ((starts.get(author.hex)?.seq ?? 0) < r.seq) {
            starts.set(author.hex, { author, seq: r.seq, hash: r.hash });
          }
        }
        for (const f of starts.values()) log.setBase(f.author, f.seq, f.hash);
      }
      for (const row of s.folders) {
        const marks = row.map(() => "?").join(", ");
        tryAll(() => [
          db.prepare(`INSERT OR REPLACE INTO folder_local VALUES (${marks})`).run(
            ...row as (string | number | Uint8Array | null)[],
          ),
        ]);
      }
      await restoreFolders(db, s.folderTables);
      const w = new HomeWriter(parts);
      const ingest = w.ingest(new Set([device]), true);
      await ingest.pushDecoded(s.entries.sort((a, b) => a.entry.seq - b.entry.seq));
      // What follows a gap is kept aside until sync brings the gap back; an
      // entry whose own signature fails is damaged, not waiting: it is lost
      // here (a peer has it intact).
      const seen = new Set<string>();
      for (const e of s.entries) {
        const head = log.head(e.entry.author)?.seq ?? 0;
        const at = `${e.entry.author.hex}:${e.entry.seq}`;
        if (e.entry.seq <= head || seen.has(at)) continue;
        seen.add(at);
        if (!(await verifyEntrySignature(e))) continue; // counted by the ingest's refusals
        log.setAside(e, "waiting");
        waiting++;
      }
      const result = w.finishIngest(ingest);
      kept = result.accepted;
      lost += result.refused.filter((r) =>
        r.code === "bad_signature" || r.code === "malformed"
      ).length;
      // What our own log reached, as far as anything left says: a head row
      // counts even when the entries themselves are lost, so this device
      // never signs a second entry for a seq a peer may hold.
      const ownMax = Math.max(
        s.claimed.get(device.hex) ?? 0,
        ...s.entries.filter((e) => e.entry.author === device).map((e) => e.entry.seq),
      );
      const ownHead = log.head(device)?.seq ?? 0;
      if (!acceptLoss && ownMax > ownHead) {
        recoverOwnTo = ownMax;
        w.setLocal("recoverOwnTo", ownMax);
      } else if (acceptLoss) w.setLocal("recoverOwnTo", undefined);
      await w.finish();
    });
  } finally {
    db.close();
  }
  const setAside = `${paths.db}.damaged-${now()}`;
  await Deno.rename(paths.db, setAside).catch(() => {});
  for (const f of ["-wal", "-shm"]) {
    await Deno.rename(`${paths.db}${f}`, `${setAside}${f}`).catch(() => {});
  }
  await Deno.rename(temp, paths.db);
  await syncDir(paths.root);
  return { kept, waiting, lost, setAside, ...(recoverOwnTo !== undefined ? { recoverOwnTo } : {}) };
}
