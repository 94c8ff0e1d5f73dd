/**
 * @module state_rows
 * The raw rows of a state, in canonical order, as every backend exposes
 * them; and the one {@link StateView} built on top, so commands read a
 * SQLite home and an in-memory replica through the same code.
 *
 * Canonical order: strings by code point (the order of their UTF-8 bytes,
 * which is SQLite's BINARY collation), device keys by their bytes (hex), then
 * seq ascending.
 */

import type { Version } from "../crdt/dotted.ts";
import { newest } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { Json, JsonObject } from "../crdt/json.ts";
import { DeviceKey } from "./device_key.ts";
import { fromHex } from "../bytes.ts";
import { isMemberRow, type MemberRow, recordOf } from "./membership.ts";
import type { EntryDot } from "./ops.ts";
import type { MemberInfo, Space, StateView } from "./state.ts";
import type { FolderRows } from "./folder_state.ts";

/** Raw rows, canonical order. */
export interface StateRows {
  /** Versions of one key. */
  versionsOf(space: Space, key: string): Version[];
  /** Every key of a space with its versions, by key. */
  keysOf(space: Space): Iterable<[string, Version[]]>;
  /** Parked dots `[space, key, author hex, seq]`. */
  parked(): Iterable<[Space, string, string, number]>;
  /** Legacy floors `[space, key, stamp]`. */
  floors(): Iterable<[Space, string, Hlc]>;
  /** Fold frontier `[author hex, seq]`. */
  seenAll(): Iterable<[string, number]>;
  /** Last seq of one author folded. */
  seenOf(authorHex: string): number;
  /** Apps. */
  appsAll(): string[];
  /** Membership rows by key. */
  memberRows(): [DeviceKey, MemberRow][];
  /** One membership row. */
  memberRow(key: DeviceKey): MemberRow | undefined;
  /** Synced folders' rows. */
  folders(): FolderRows;
}

/** Code-point order of two strings (UTF-8 byte order; not JS's UTF-16 order). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!, y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Device key of an author hex string (as stored in state rows). */
export function keyOfHex(hex: string): DeviceKey {
  return DeviceKey.of(fromHex(hex));
}

function shown(versions: Version[]): Json | undefined {
  return newest(versions)?.value;
}

/** The state view over `rows`. */
export class RowsView implements StateView {
  readonly #rows: StateRows;

  constructor(rows: StateRows) {
    this.#rows = rows;
  }

  #values<V extends Json>(space: Space): [string, V][] {
    const out: [string, V][] = [];
    for (const [key, versions] of this.#rows.keysOf(space)) {
      const v = shown(versions);
      if (v !== undefined) out.push([key, v as V]);
    }
    return out;
  }

  config(key: string): Json | undefined {
    return shown(this.#rows.versionsOf("config", key));
  }

  configs(): [string, Json][] {
    return this.#values("config");
  }

  pref(key: string): string | undefined {
    return shown(this.#rows.versionsOf("prefs", key)) as string | undefined;
  }

  prefs(): [string, string][] {
    return this.#values("prefs");
  }

  apps(): string[] {
    return this.#rows.appsAll();
  }

  pattern(id: string): JsonObject | undefined {
    return shown(this.#rows.versionsOf("patterns", id)) as JsonObject | undefined;
  }

  patterns(): [string, JsonObject][] {
    return this.#values("patterns");
  }

  observed(space: Space, key: string): EntryDot[] {
    return this.#rows.versionsOf(space, key)
      .map((v) => ({ author: keyOfHex(v.dot.author), seq: v.dot.seq }))
      .sort((a, b) => a.author.compare(b.author) || a.seq - b.seq);
  }

  #info(key: DeviceKey, row: MemberRow | undefined): MemberInfo | undefined {
    const record = recordOf(key, row);
    if (record === undefined) return undefined;
    return {
      record,
      admitted: row!.added!,
      ...(row!.removed ? { removed: row!.removed } : {}),
      ...(row!.witnessed ? { witnessed: row!.witnessed } : {}),
    };
  }

  members(): MemberInfo[] {
    const out: MemberInfo[] = [];
    for (const [key, row] of this.#rows.memberRows()) {
      const info = this.#info(key, row);
      if (info) out.push(info);
    }
    return out;
  }

  member(key: DeviceKey): MemberInfo | undefined {
    return this.#info(key, this.#rows.memberRow(key));
  }

  isMember(key: DeviceKey): boolean {
    return isMemberRow(this.#rows.memberRow(key));
  }

  seen(author: DeviceKey): number {
    return this.#rows.seenOf(author.hex);
  }

  folders(): FolderRows {
    return this.#rows.folders();
  }
}
