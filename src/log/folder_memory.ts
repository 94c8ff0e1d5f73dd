/**
 * @module folder_memory
 * The folder state (folder_state.ts) in memory: for MemoryState (pure tests,
 * simulations, checkpoints). Iteration is in canonical order. The fold's
 * view of a path (`heldAt`) is kept across folds (folder_held.ts): before,
 * each fold copied and sorted every row of its path (N entries of one
 * concurrent version each of one path: N²/2 rows).
 */

import type { VersionVector } from "./version_vector.ts";
import { HeldCache, type HeldVersion, type VectorsOf } from "./folder_held.ts";
import type { DeviceFolderRow, FolderStore, ShareRow, StoredVersion } from "./folder_state.ts";
import { compareText } from "./state_rows.ts";

const sortedKeys = <V>(m: Map<string, V>) => [...m.keys()].sort(compareText);

/** Folder rows in memory. */
export class MemoryFolders implements FolderStore {
  readonly #shares = new Map<string, ShareRow>();
  readonly #devices = new Map<string, Map<string, DeviceFolderRow>>();
  readonly #versions = new Map<string, Map<string, Map<string, StoredVersion>>>();
  readonly #frontier = new Map<string, Map<string, number>>();
  readonly #held = new HeldCache();

  share(folder: string): ShareRow | undefined {
    return this.#shares.get(folder);
  }

  *shares(): Iterable<[string, ShareRow]> {
    for (const id of sortedKeys(this.#shares)) yield [id, this.#shares.get(id)!];
  }

  deviceRow(folder: string, device: string): DeviceFolderRow | undefined {
    return this.#devices.get(folder)?.get(device);
  }

  *deviceRows(): Iterable<[string, string, DeviceFolderRow]> {
    for (const folder of sortedKeys(this.#devices)) {
      const m = this.#devices.get(folder)!;
      for (const d of [...m.keys()].sort()) yield [folder, d, m.get(d)!];
    }
  }

  versionsAt(folder: string, path: string): StoredVersion[] {
    const m = this.#versions.get(folder)?.get(path);
    return m ? [...m.keys()].sort().map((id) => m.get(id)!) : [];
  }

  *paths(folder: string): Iterable<[string, StoredVersion[]]> {
    const f = this.#versions.get(folder);
    if (f === undefined) return;
    for (const path of sortedKeys(f)) yield [path, this.versionsAt(folder, path)];
  }

  *allVersions(): Iterable<[string, string, StoredVersion]> {
    for (const folder of sortedKeys(this.#versions)) {
      for (const [path, list] of this.paths(folder)) for (const v of list) yield [folder, path, v];
    }
  }

  frontier(folder: string): Map<string, number> {
    return new Map(this.#frontier.get(folder) ?? []);
  }

  frontierOf(folder: string, author: string): number {
    return this.#frontier.get(folder)?.get(author) ?? 0;
  }

  *frontiers(): Iterable<[string, string, number]> {
    for (const folder of sortedKeys(this.#frontier)) {
      const m = this.#frontier.get(folder)!;
      for (const a of [...m.keys()].sort()) yield [folder, a, m.get(a)!];
    }
  }

  putShare(folder: string, row: ShareRow): void {
    this.#shares.set(folder, row);
  }

  putDeviceRow(folder: string, device: string, row: DeviceFolderRow): void {
    let m = this.#devices.get(folder);
    if (m === undefined) this.#devices.set(folder, m = new Map());
    m.set(device, row);
  }

  heldAt(folder: string, path: string, vectorsOf: VectorsOf): ReadonlyMap<string, HeldVersion> {
    return this.#held.get(folder, path, () => this.versionsAt(folder, path), vectorsOf);
  }

  putVersion(folder: string, path: string, v: StoredVersion, vv?: VersionVector): void {
    this.#held.put(folder, path, v, vv);
    let f = this.#versions.get(folder);
    if (f === undefined) this.#versions.set(folder, f = new Map());
    let p = f.get(path);
    if (p === undefined) f.set(path, p = new Map());
    p.set(v.id, v);
  }

  removeVersion(folder: string, path: string, id: string): void {
    this.#held.remove(folder, path, id);
    const f = this.#versions.get(folder);
    const p = f?.get(path);
    if (!p?.delete(id)) return;
    if (p.size === 0) f!.delete(path);
    if (f!.size === 0) this.#versions.delete(folder);
  }

  setFrontier(folder: string, author: string, seq: number): void {
    let m = this.#frontier.get(folder);
    if (m === undefined) this.#frontier.set(folder, m = new Map());
    m.set(author, seq);
  }
}
