/**
 * @module state_merge
 * Join one replicated state into another (state-based merge), used when a
 * device takes a checkpoint: the result is the state the union of both sides'
 * entries folds to, so this device's own writes that the checkpoint lacks
 * are kept, and whatever the checkpoint removed stays removed.
 *
 * Rules per dotted version (as in the observed-remove set): a version one
 * side holds and the other lacks survives unless the other side has seen its
 * entry (seen covers its dot) or parked its dot — then the other side removed
 * it. Parked dots, floors, the frontier, apps and membership rows join; a
 * device's own record fields and its witness from `from` count only when
 * written in entries `into` has not folded (the ones it folded say what they
 * wrote).
 * Decisions are made against both sides as they were, then applied.
 */

import type { Version } from "../crdt/dotted.ts";
import { compareHlc } from "../crdt/hlc.ts";
import { joinRows } from "./membership.ts";
import { type Space, SPACES, type StateStore } from "./state.ts";
import { keyOfHex, type StateRows } from "./state_rows.ts";
import { mergeFolders } from "./folder_fold.ts";

const dotId = (author: string, seq: number) => `${author}:${seq}`;

function parkedSet(rows: StateRows): Set<string> {
  const out = new Set<string>();
  for (const [space, key, author, seq] of rows.parked()) {
    out.add(`${space}\0${key}\0${author}:${seq}`);
  }
  return out;
}

/** What a merge found. */
export interface MergeResult {
  /** Versions added and removed. */
  added: number;
  removed: number;
  /** A removal cut narrowed below entries this side had folded. */
  cutNarrowed: boolean;
}

/** Join `from` into `into`. */
export function mergeState(into: StateStore & StateRows, from: StateRows): MergeResult {
  const result: MergeResult = { added: 0, removed: 0, cutNarrowed: false };
  const parkedInto = parkedSet(into), parkedFrom = parkedSet(from);
  const gone = (
    parked: Set<string>,
    seen: (a: string) => number,
    space: Space,
    key: string,
    v: Version,
  ) =>
    v.dot.seq <= seen(v.dot.author) ||
    parked.has(`${space}\0${key}\0${dotId(v.dot.author, v.dot.seq)}`);
  const seenInto = (a: string) => into.seenOf(a), seenFrom = (a: string) => from.seenOf(a);

  const puts: [Space, string, Version][] = [];
  const removes: [Space, string, Version][] = [];
  for (const space of SPACES) {
    for (const [key, theirs] of from.keysOf(space)) {
      const mine = new Set(into.versionsOf(space, key).map((v) => dotId(v.dot.author, v.dot.seq)));
      for (const v of theirs) {
        if (mine.has(dotId(v.dot.author, v.dot.seq))) continue;
        if (!gone(parkedInto, seenInto, space, key, v)) puts.push([space, key, v]);
      }
    }
    for (const [key, mineList] of into.keysOf(space)) {
      const theirs = new Set(
        from.versionsOf(space, key).map((v) => dotId(v.dot.author, v.dot.seq)),
      );
      for (const v of mineList) {
        if (theirs.has(dotId(v.dot.author, v.dot.seq))) continue;
        if (gone(parkedFrom, seenFrom, space, key, v)) removes.push([space, key, v]);
      }
    }
  }
  const parks: [Space, string, string, number][] = [];
  for (const [space, key, author, seq] of from.parked()) {
    if (seq > into.seenOf(author)) parks.push([space, key, author, seq]);
    else {removes.push(
        ...into.versionsOf(space, key)
          .filter((v) => v.dot.author === author && v.dot.seq === seq)
          .map((v) => [space, key, v] as [Space, string, Version]),
      );}
  }
  for (const [space, key, v] of removes) if (into.space(space).remove(key, v.dot)) result.removed++;
  for (const [space, key, v] of puts) {
    const floor = v.legacy ? into.space(space).floor(key) : undefined;
    if (floor !== undefined && compareHlc(v.stamp, floor) < 0) continue; // below our legacy floor
    into.space(space).put(key, v);
    result.added++;
  }
  for (const [space, key, author, seq] of parks) {
    const b = into.space(space);
    if (!b.remove(key, { author, seq })) b.park(key, { author, seq });
  }
  for (const [space, key, stamp] of from.floors()) {
    const b = into.space(space);
    const floor = b.floor(key);
    if (floor !== undefined && compareHlc(stamp, floor) <= 0) continue;
    b.setFloor(key, stamp);
    for (const v of b.versions(key)) {
      if (v.legacy && compareHlc(v.stamp, stamp) < 0) b.remove(key, v.dot);
    }
  }
  // What `into` had folded of each device before its fold marks join below.
  const folded = new Map(from.memberRows().map(([key]) => [key, into.seen(key)]));
  for (const [author, seq] of from.seenAll()) {
    if (seq > into.seenOf(author)) into.setSeen(keyOfHex(author), seq);
  }
  for (const app of from.appsAll()) into.addApp(app);
  for (const [key, row] of from.memberRows()) {
    // Fields a device wrote in entries folded here are what those entries
    // say (checkpoint_claims.ts): only later ones may come from the other side.
    const self = Object.fromEntries(
      Object.entries(row.self).filter(([, f]) => f !== undefined && f.seq > folded.get(key)!),
    );
    // Likewise what a device had seen (its witness, witness.ts) comes from
    // the other side only when it covers entries of that device not folded here.
    const witnessed = from.seenOf(key.hex) > folded.get(key)! ? row.witnessed : undefined;
    const joined = joinRows(key, into.member(key) ?? { self: {} }, { ...row, self, witnessed });
    into.putMember(key, joined);
    if (joined.removed !== undefined && into.seen(key) > joined.removed.cut) {
      result.cutNarrowed = true;
    }
  }
  mergeFolders(into.folders(), from.folders()); // synced folders: every part is a join
  return result;
}
