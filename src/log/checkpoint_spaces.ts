/**
 * @module checkpoint_spaces
 * The keyspace part of a checkpoint (checkpoint.ts): every version of every
 * key with its dot and stamp (`[space, key, author, seq, wall, counter,
 * legacy, [value] | []]`), parked dots (`[space, key, author, seq]`) and
 * floors (`[space, key, wall, counter, author]`), a space named by its index
 * in {@link SPACES} and a device by its index in the author table. Decoding
 * checks every key and value as the op decoder does — a tombstone's, a
 * parked dot's and a floor's key too — so a member's checkpoint can hold no
 * row its entries could not have made. Apart from the envelope because these
 * rules are the op decoder's, not the checkpoint's.
 */

import type { Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import { isJson, type Json } from "../crdt/json.ts";
import { bad, count, list } from "./checkpoint_format.ts";
import type { DeviceKey } from "./device_key.ts";
import { checkConfigKey, checkName, checkPattern, checkPrefValue } from "./ops.ts";
import { type Space, SPACES, type StateStore } from "./state.ts";
import type { StateRows } from "./state_rows.ts";

const SPACE_INDEX = new Map<Space, number>(SPACES.map((s, i) => [s, i]));

/** Every version of every key, as checkpoint rows, in canonical order. */
export function* versionRows(
  rows: StateRows,
  author: (hex: string) => number,
): Generator<unknown[]> {
  for (const space of SPACES) {
    for (const [key, list] of rows.keysOf(space)) {
      for (const v of list) {
        yield [
          SPACE_INDEX.get(space),
          key,
          author(v.dot.author),
          v.dot.seq,
          v.stamp.wall,
          v.stamp.counter,
          v.legacy ? 1 : 0,
          v.value === undefined ? [] : [v.value],
        ];
      }
    }
  }
}

/** Parked dots as checkpoint rows. */
export function* parkedRows(
  rows: StateRows,
  author: (hex: string) => number,
): Generator<unknown[]> {
  for (const [s, k, au, seq] of rows.parked()) yield [SPACE_INDEX.get(s), k, author(au), seq];
}

/** Floors as checkpoint rows. */
export function* floorRows(rows: StateRows, author: (hex: string) => number): Generator<unknown[]> {
  for (const [s, k, h] of rows.floors()) {
    yield [SPACE_INDEX.get(s), k, h.wall, h.counter, author(h.node)];
  }
}

/** The three keyspace lists, in this order: each device gets its author index when first met. */
export function encodeSpaces(
  rows: StateRows,
  author: (hex: string) => number,
): { versions: unknown[]; parked: unknown[]; floors: unknown[] } {
  const versions = [...versionRows(rows, author)];
  const parked = [...parkedRows(rows, author)];
  const floors = [...floorRows(rows, author)];
  return { versions, parked, floors };
}

/** A key of `space`, checked as the op decoder checks it (for tombstones, parked dots and floors too). */
function checkKey(space: Space, key: string): string {
  return space === "config"
    ? checkConfigKey(key)
    : checkName(space === "prefs" ? "preference key" : "pattern id", key);
}

function checkValue(space: Space, value: unknown): Json {
  if (space === "config") {
    if (!isJson(value)) throw bad("a config value is not JSON");
    return value;
  }
  return space === "prefs" ? checkPrefValue(value) : checkPattern(value);
}

/** Put the keyspace lists' rows into `state`; `au` resolves an author index. */
export function decodeSpaces(
  wire: { versions: unknown; parked: unknown; floors: unknown },
  au: (i: unknown) => DeviceKey,
  state: StateStore,
): void {
  const space = (i: unknown): Space => {
    const s = SPACES[count(i, "space")];
    if (s === undefined) throw bad("unknown keyspace");
    return s;
  };
  const text = (x: unknown, what: string) => {
    if (typeof x !== "string") throw bad(`${what} must be text`);
    return x;
  };
  for (const v of list(wire.versions, "versions")) {
    const [s, key, a, seq, wall, counter, legacy, value] = list(v, "version", 8);
    const sp = space(s), k = checkKey(sp, text(key, "key")), val = list(value, "value", 1);
    const author = au(a).hex;
    const version: Version = {
      dot: { author, seq: count(seq, "seq") },
      stamp: { wall: count(wall, "wall"), counter: count(counter, "counter"), node: author },
      value: val.length === 0 ? undefined : checkValue(sp, val[0]),
      ...(legacy === 1 ? { legacy: true } : {}),
    };
    state.space(sp).put(k, version);
  }
  for (const p of list(wire.parked, "parked")) {
    const [s, key, a, seq] = list(p, "parked", 4);
    const sp = space(s);
    state.space(sp).park(checkKey(sp, text(key, "key")), {
      author: au(a).hex,
      seq: count(seq, "seq"),
    });
  }
  for (const fl of list(wire.floors, "floors")) {
    const [s, key, wall, counter, a] = list(fl, "floor", 5);
    const stamp: Hlc = {
      wall: count(wall, "wall"),
      counter: count(counter, "counter"),
      node: au(a).hex,
    };
    const sp = space(s);
    state.space(sp).setFloor(checkKey(sp, text(key, "key")), stamp);
  }
}
