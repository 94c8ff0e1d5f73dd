/**
 * @module sql_folders
 * The replicated folder state (src/log/folder_state.ts) in the home's
 * tables `folder_shares`, `folder_devices`, `file_versions` and
 * `folder_frontier`. Statements are prepared on first use; a home opened
 * read-only before its first writable open since folders existed has no
 * such tables, and reads as having no folder.
 *
 * The fold's view of a path (`heldAt`: ids, dots, decoded vectors; no
 * bytes) is kept for one write transaction (`cacheRows`, from
 * SqlState.cacheRows), in step with every row this store writes or deletes,
 * and forgotten when the transaction ends, either way, or the tables are
 * cleared underneath (`forget`). Outside a write transaction each `heldAt`
 * reads the path again. The tables stay the truth: every write goes to them
 * at once, and every other read comes from them.
 */

import { DeviceKey } from "../log/device_key.ts";
import { fromHex } from "../bytes.ts";
import type { DeviceFolderRow, FolderStore, ShareRow, StoredVersion } from "../log/folder_state.ts";
import { HeldCache, type HeldVersion, type VectorsOf } from "../log/folder_held.ts";
import type { VersionVector } from "../log/version_vector.ts";
import { decodeProgress, encodeProgress } from "../log/file_ops.ts";
import type { Db } from "./db.ts";

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    share: p("SELECT name, wall, counter, author FROM folder_shares WHERE id = ?"),
    shares: p("SELECT id, name, wall, counter, author FROM folder_shares ORDER BY id"),
    putShare: p("INSERT OR REPLACE INTO folder_shares VALUES (?, ?, ?, ?, ?)"),
    device: p(
      "SELECT joined_seq, joined, progress_seq, progress FROM folder_devices" +
        " WHERE folder = ? AND device = ?",
    ),
    devices: p(
      "SELECT folder, device, joined_seq, joined, progress_seq, progress FROM folder_devices" +
        " ORDER BY folder, device",
    ),
    putDevice: p("INSERT OR REPLACE INTO folder_devices VALUES (?, ?, ?, ?, ?, ?)"),
    versionsAt: p(
      "SELECT id, author, seq, bytes FROM file_versions WHERE folder = ? AND path = ? ORDER BY id",
    ),
    // Rows as arrays: an object per row of node:sqlite's, read column by
    // column into a StoredVersion, was 4% of a status of 200,000 versions.
    pathPage: arrays(p(
      "SELECT path, id, author, seq, bytes FROM file_versions WHERE folder = ? AND (path, id) > (?, ?)" +
        " ORDER BY path, id LIMIT ?",
    )),
    allPage: p(
      "SELECT folder, path, id, author, seq, bytes FROM file_versions" +
        " WHERE (folder, path, id) > (?, ?, ?) ORDER BY folder, path, id LIMIT ?",
    ),
    putVersion: p("INSERT OR REPLACE INTO file_versions VALUES (?, ?, ?, ?, ?, ?)"),
    removeVersion: p("DELETE FROM file_versions WHERE folder = ? AND path = ? AND id = ?"),
    frontier: p("SELECT author, seq FROM folder_frontier WHERE folder = ? ORDER BY author"),
    frontiers: p("SELECT folder, author, seq FROM folder_frontier ORDER BY folder, author"),
    frontierOf: p("SELECT seq FROM folder_frontier WHERE folder = ? AND author = ?"),
    setFrontier: p("INSERT OR REPLACE INTO folder_frontier VALUES (?, ?, ?)"),
  };
}

type Statements = ReturnType<typeof statements>;

function arrays(s: ReturnType<Db["prepare"]>): ReturnType<Db["prepare"]> {
  s.setReturnArrays(true);
  return s;
}

/** A row of `pathPage`. */
type PathSql = [string, string, string, number, Uint8Array];
const PAGE = 1000;

interface DeviceSql {
  joined_seq: number;
  joined: number;
  progress_seq: number;
  progress: string | null;
}

function deviceRow(r: DeviceSql): DeviceFolderRow {
  return {
    joinedSeq: r.joined_seq,
    joined: r.joined === 1,
    progressSeq: r.progress_seq,
    ...(r.progress === null ? {} : { progress: progressFromJson(r.progress) }),
  };
}

function progressFromJson(text: string) {
  const [needFiles, needBytes, conflicts, stopped, frontier] = JSON.parse(text) as [
    number,
    number,
    number,
    string,
    [string, number][],
  ];
  return decodeProgress([
    needFiles,
    needBytes,
    conflicts,
    stopped,
    frontier.flatMap(([k, s]) => [fromHex(k), s]),
  ]);
}

function progressToJson(row: DeviceFolderRow): string | null {
  if (row.progress === undefined) return null;
  const [needFiles, needBytes, conflicts, stopped] = encodeProgress(row.progress);
  return JSON.stringify([
    needFiles,
    needBytes,
    conflicts,
    stopped,
    row.progress.frontier.map(([k, s]) => [k.hex, s]),
  ]);
}

const versionOf = (r: Record<string, unknown>): StoredVersion => ({
  id: r.id as string,
  author: r.author as string,
  seq: r.seq as number,
  bytes: r.bytes as Uint8Array,
});

/** Folder state of one home. */
export class SqlFolders implements FolderStore {
  readonly #db: Db;
  #s: Statements | null | undefined;
  readonly #held = new HeldCache();
  /** Inside a write transaction: nobody else writes the tables until it ends. */
  #caching = false;

  constructor(db: Db) {
    this.#db = db;
  }

  /** A write transaction starts (`true`) or ends: what `heldAt` kept goes either way. */
  cacheRows(on: boolean): void {
    this.#caching = on;
    this.#held.clear();
  }

  /** Forget what `heldAt` kept (a rollback, or tables cleared underneath). */
  forget(): void {
    this.#held.clear();
  }

  /** Statements, or null when the home has no folder tables (read-only, made before them). */
  get #q(): Statements | null {
    if (this.#s === undefined || this.#s === null) {
      const have = this.#db.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'folder_frontier'",
      ).get();
      this.#s = have === undefined ? null : statements(this.#db);
    }
    return this.#s;
  }

  share(folder: string): ShareRow | undefined {
    const r = this.#q?.share.get(folder) as ShareRow | undefined;
    return r && { name: r.name, wall: r.wall, counter: r.counter, author: r.author };
  }

  *shares(): Iterable<[string, ShareRow]> {
    for (const r of (this.#q?.shares.all() ?? []) as unknown as (ShareRow & { id: string })[]) {
      yield [r.id, { name: r.name, wall: r.wall, counter: r.counter, author: r.author }];
    }
  }

  deviceRow(folder: string, device: string): DeviceFolderRow | undefined {
    const r = this.#q?.device.get(folder, device) as DeviceSql | undefined;
    return r && deviceRow(r);
  }

  *deviceRows(): Iterable<[string, string, DeviceFolderRow]> {
    const rows = (this.#q?.devices.all() ?? []) as unknown as (DeviceSql & {
      folder: string;
      device: string;
    })[];
    for (const r of rows) yield [r.folder, r.device, deviceRow(r)];
  }

  versionsAt(folder: string, path: string): StoredVersion[] {
    return ((this.#q?.versionsAt.all(folder, path) ?? []) as Record<string, unknown>[]).map(
      versionOf,
    );
  }

  heldAt(folder: string, path: string, vectorsOf: VectorsOf): ReadonlyMap<string, HeldVersion> {
    if (!this.#caching) this.#held.clear(); // another process may have written since
    return this.#held.get(folder, path, () => this.versionsAt(folder, path), vectorsOf);
  }

  *paths(folder: string): Iterable<[string, StoredVersion[]]> {
    const q = this.#q;
    if (q === null) return;
    let path = "", id = "";
    let current: string | undefined;
    let list: StoredVersion[] = [];
    for (;;) {
      const rows = q.pathPage.all(folder, path, id, PAGE) as unknown as PathSql[];
      for (const [p, vid, author, seq, bytes] of rows) {
        if (p !== current) {
          if (current !== undefined) yield [current, list];
          current = p;
          list = [];
        }
        list.push({ id: vid, author, seq, bytes });
      }
      if (rows.length < PAGE) break;
      [path, id] = rows[rows.length - 1];
    }
    if (current !== undefined) yield [current, list];
  }

  *allVersions(): Iterable<[string, string, StoredVersion]> {
    const q = this.#q;
    if (q === null) return;
    let last = ["", "", ""];
    for (;;) {
      const rows = q.allPage.all(last[0], last[1], last[2], PAGE) as Record<string, unknown>[];
      for (const r of rows) yield [r.folder as string, r.path as string, versionOf(r)];
      if (rows.length < PAGE) return;
      const r = rows[rows.length - 1];
      last = [r.folder as string, r.path as string, r.id as string];
    }
  }

  frontier(folder: string): Map<string, number> {
    const rows = (this.#q?.frontier.all(folder) ?? []) as { author: string; seq: number }[];
    return new Map(rows.map((r) => [r.author, r.seq]));
  }

  frontierOf(folder: string, author: string): number {
    return (this.#q?.frontierOf.get(folder, author) as { seq: number } | undefined)?.seq ?? 0;
  }

  *frontiers(): Iterable<[string, string, number]> {
    const rows = (this.#q?.frontiers.all() ?? []) as {
      folder: string;
      author: string;
      seq: number;
    }[];
    for (const r of rows) yield [r.folder, r.author, r.seq];
  }

  #w(): Statements {
    const q = this.#q;
    if (q === null) throw new Error("this home has no folder tables (opened read-only)");
    return q;
  }

  putShare(folder: string, row: ShareRow): void {
    this.#w().putShare.run(folder, row.name, row.wall, row.counter, row.author);
  }

  putDeviceRow(folder: string, device: string, row: DeviceFolderRow): void {
    this.#w().putDevice.run(
      folder,
      device,
      row.joinedSeq,
      row.joined ? 1 : 0,
      row.progressSeq,
      progressToJson(row),
    );
  }

  putVersion(folder: string, path: string, v: StoredVersion, vv?: VersionVector): void {
    this.#w().putVersion.run(folder, path, v.id, v.author, v.seq, v.bytes);
    this.#held.put(folder, path, v, vv);
  }

  removeVersion(folder: string, path: string, id: string): void {
    this.#w().removeVersion.run(folder, path, id);
    this.#held.remove(folder, path, id);
  }

  setFrontier(folder: string, author: string, seq: number): void {
    this.#w().setFrontier.run(folder, author, seq);
  }
}

/** A device key from the hex a folder row holds. */
export function deviceOfHex(hex: string): DeviceKey {
  return DeviceKey.of(fromHex(hex));
}
