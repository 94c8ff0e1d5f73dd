/**
 * @module state_memory
 * The replicated state held in memory: the same rows and the same view as
 * the SQLite home, for pure tests, simulations of whole meshes and the
 * checkpoint codec. Mutations go only through {@link StateStore} (the fold).
 */

import type { Dot, DottedBackend, Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { DeviceKey } from "./device_key.ts";
import type { MemberRow } from "./membership.ts";
import { type Space, SPACES, type StateStore } from "./state.ts";
import { compareText, RowsView, type StateRows } from "./state_rows.ts";
import { MemoryFolders } from "./folder_memory.ts";

const dotId = (d: Dot) => `${d.author}:${d.seq}`;

function byDot(a: Version, b: Version): number {
  return a.dot.author === b.dot.author
    ? a.dot.seq - b.dot.seq
    : a.dot.author < b.dot.author
    ? -1
    : 1;
}

class MemorySpace implements DottedBackend {
  readonly versionsByKey = new Map<string, Map<string, Version>>();
  readonly parkedByKey = new Map<string, Map<string, Dot>>();
  /**
   * The same parked dots by author, in seq order from `start` (sorted when
   * needed): dropping an author's folded dots costs those dots, not every
   * parked dot — the whole scan per folded entry made a long rebuild (a
   * compaction's plan) quadratic.
   */
  readonly #parkedByAuthor = new Map<
    string,
    { items: { key: string; id: string; seq: number }[]; start: number; sorted: boolean }
  >();
  readonly floorByKey = new Map<string, Hlc>();
  readonly #seen: (author: string) => number;

  constructor(seen: (author: string) => number) {
    this.#seen = seen;
  }

  versions(key: string): Version[] {
    return [...(this.versionsByKey.get(key)?.values() ?? [])].sort(byDot);
  }

  put(key: string, v: Version): void {
    let m = this.versionsByKey.get(key);
    if (m === undefined) this.versionsByKey.set(key, m = new Map());
    m.set(dotId(v.dot), v);
  }

  remove(key: string, dot: Dot): boolean {
    const m = this.versionsByKey.get(key);
    if (!m?.delete(dotId(dot))) return false;
    if (m.size === 0) this.versionsByKey.delete(key);
    return true;
  }

  isParked(key: string, dot: Dot): boolean {
    return this.parkedByKey.get(key)?.has(dotId(dot)) ?? false;
  }

  park(key: string, dot: Dot): void {
    let m = this.parkedByKey.get(key);
    if (m === undefined) this.parkedByKey.set(key, m = new Map());
    const id = dotId(dot);
    if (m.has(id)) return;
    m.set(id, dot);
    let list = this.#parkedByAuthor.get(dot.author);
    if (list === undefined) {
      this.#parkedByAuthor.set(dot.author, list = { items: [], start: 0, sorted: true });
    }
    const last = list.items.at(-1);
    if (last !== undefined && last.seq > dot.seq) list.sorted = false;
    list.items.push({ key, id, seq: dot.seq });
  }

  /** Drop parked dots of `author` at or below `seq` (their entries are folded). */
  dropParked(author: string, seq: number): void {
    const list = this.#parkedByAuthor.get(author);
    if (list === undefined) return;
    if (!list.sorted) {
      list.items = list.items.slice(list.start).sort((a, b) => a.seq - b.seq);
      list.start = 0;
      list.sorted = true;
    }
    const { items } = list;
    while (list.start < items.length && items[list.start].seq <= seq) {
      const { key, id } = items[list.start++];
      const m = this.parkedByKey.get(key);
      if (m?.delete(id) && m.size === 0) this.parkedByKey.delete(key);
    }
    if (list.start === items.length) this.#parkedByAuthor.delete(author);
    else if (list.start > 1024 && list.start * 2 > items.length) {
      list.items = items.slice(list.start);
      list.start = 0;
    }
  }

  seen(author: string): number {
    return this.#seen(author);
  }

  floor(key: string): Hlc | undefined {
    return this.floorByKey.get(key);
  }

  setFloor(key: string, stamp: Hlc): void {
    this.floorByKey.set(key, stamp);
  }
}

/** The whole replicated state in memory. */
export class MemoryState implements StateStore, StateRows {
  readonly #seen = new Map<string, number>();
  readonly #spaces = new Map<Space, MemorySpace>();
  readonly #apps = new Set<string>();
  readonly #members = new Map<DeviceKey, MemberRow>();
  #folders = new MemoryFolders();
  /** Commands' view of this state. */
  readonly view: RowsView = new RowsView(this);

  constructor() {
    for (const s of SPACES) this.#spaces.set(s, new MemorySpace((a) => this.#seen.get(a) ?? 0));
  }

  space(name: Space): MemorySpace {
    return this.#spaces.get(name)!;
  }

  /** Forget everything (a rebuild starts from here). */
  clear(): void {
    this.#seen.clear();
    this.#apps.clear();
    this.#members.clear();
    for (const s of SPACES) this.#spaces.set(s, new MemorySpace((a) => this.#seen.get(a) ?? 0));
    // Folders too: a rebuild's second pass (compaction.ts) must not keep
    // versions the first pass folded from entries it now cuts (found by a review).
    this.#folders = new MemoryFolders();
  }

  seen(author: DeviceKey): number {
    return this.#seen.get(author.hex) ?? 0;
  }

  setSeen(author: DeviceKey, seq: number): void {
    this.#seen.set(author.hex, seq);
    for (const s of this.#spaces.values()) s.dropParked(author.hex, seq);
  }

  addApp(name: string): void {
    this.#apps.add(name);
  }

  member(key: DeviceKey): MemberRow | undefined {
    return this.#members.get(key);
  }

  putMember(key: DeviceKey, row: MemberRow): void {
    this.#members.set(key, row);
  }

  folders(): MemoryFolders {
    return this.#folders;
  }

  // StateRows

  versionsOf(space: Space, key: string): Version[] {
    return this.space(space).versions(key);
  }

  *keysOf(space: Space): Iterable<[string, Version[]]> {
    const s = this.space(space);
    for (const key of [...s.versionsByKey.keys()].sort(compareText)) yield [key, s.versions(key)];
  }

  *parked(): Iterable<[Space, string, string, number]> {
    for (const space of SPACES) {
      const s = this.space(space);
      for (const key of [...s.parkedByKey.keys()].sort(compareText)) {
        const dots = [...s.parkedByKey.get(key)!.values()].sort((a, b) =>
          a.author === b.author ? a.seq - b.seq : a.author < b.author ? -1 : 1
        );
        for (const d of dots) yield [space, key, d.author, d.seq];
      }
    }
  }

  *floors(): Iterable<[Space, string, Hlc]> {
    for (const space of SPACES) {
      const s = this.space(space);
      for (const key of [...s.floorByKey.keys()].sort(compareText)) {
        yield [space, key, s.floorByKey.get(key)!];
      }
    }
  }

  seenAll(): [string, number][] {
    return [...this.#seen].sort(([a], [b]) => (a < b ? -1 : 1));
  }

  seenOf(authorHex: string): number {
    return this.#seen.get(authorHex) ?? 0;
  }

  appsAll(): string[] {
    return [...this.#apps].sort(compareText);
  }

  memberRows(): [DeviceKey, MemberRow][] {
    return [...this.#members].sort(([a], [b]) => a.compare(b));
  }

  memberRow(key: DeviceKey): MemberRow | undefined {
    return this.#members.get(key);
  }
}
