/**
 * @module fold
 * The fold step: one verified, admitted entry into the state. Pure: it only
 * calls the {@link StateStore} it is given. Folding the same set of entries in
 * any order that respects each author's seq gives the same state (every part
 * is a CRDT; see src/crdt/dotted.ts and membership.ts).
 *
 * The caller decides which entries may be folded (`mayFold`: the author is
 * admitted, and within its cut if removed) and folds them in seq order. When a
 * removal narrows a device's cut below entries already folded, the fold says
 * so (`refold`): those entries must come out, which only a fold from scratch
 * over the entries that are still valid can do.
 */

import type { Write } from "../crdt/dotted.ts";
import { applyWrite } from "../crdt/dotted.ts";
import type { Json } from "../crdt/json.ts";
import type { DeviceKey } from "./device_key.ts";
import type { Entry } from "./entry.ts";
import { admit, EMPTY_MEMBER, remove, writeSelf } from "./membership.ts";
import { fieldsOf } from "./device_record.ts";
import type { EntryDot, Op } from "./ops.ts";
import type { Space, StateStore } from "./state.ts";
import { isFolderOp } from "./file_ops.ts";
import { foldFolderOps } from "./folder_fold.ts";
import { cutOf, withWitness } from "./witness.ts";

/** What folding one entry found. */
export interface FoldResult {
  /** A removal cut below entries already folded: fold again from scratch. */
  refold: boolean;
  /** Devices whose admission or removal changed (their waiting entries may now fold). */
  membership: DeviceKey[];
}

const hexDots = (dots: readonly EntryDot[]) =>
  dots.map((d) => ({ author: d.author.hex, seq: d.seq }));

/** The dotted write an op makes, or undefined for non-register ops. */
function writeOf(
  op: Op,
): { space: Space; key: string; put: Write["put"]; observed?: EntryDot[] } | undefined {
  switch (op.type) {
    case "config.set":
      return { space: "config", key: op.key, put: { value: op.value }, observed: op.observed };
    case "config.unset":
      return { space: "config", key: op.key, put: "tombstone", observed: op.observed };
    case "pref.set":
      return { space: "prefs", key: op.key, put: { value: op.value }, observed: op.observed };
    case "pref.unset":
      return { space: "prefs", key: op.key, put: "tombstone", observed: op.observed };
    case "pattern.add":
      return { space: "patterns", key: op.id, put: { value: op.value as Json }, observed: [] };
    case "pattern.remove":
      return { space: "patterns", key: op.id, put: "none", observed: op.dots };
    default:
      return undefined;
  }
}

type KeyWrite = NonNullable<ReturnType<typeof writeOf>>;

/**
 * The register writes of an entry. Several writes to one config or pref key
 * inside one entry share its stamp, so the stamp cannot order them: the last
 * one's value counts, and together they replace everything any of them
 * observed. Pattern adds and removes apply in order.
 */
function entryWrites(ops: readonly Op[]): KeyWrite[] {
  if (ops.length === 1) { // most entries: one op, nothing to merge
    const w = writeOf(ops[0]);
    return w === undefined ? [] : [w];
  }
  const out: KeyWrite[] = [];
  const registers = new Map<string, number>();
  for (const op of ops) {
    const w = writeOf(op);
    if (w === undefined) continue;
    if (w.space === "patterns") {
      out.push(w);
      continue;
    }
    const id = `${w.space}\u0000${w.key}`;
    const at = registers.get(id);
    if (at === undefined) {
      registers.set(id, out.length);
      out.push(w);
      continue;
    }
    const prev = out[at].observed;
    const observed = prev === undefined || w.observed === undefined
      ? (w.observed ?? prev)
      : [...prev, ...w.observed];
    out[at] = { ...w, observed };
  }
  return out;
}

/** Fold one entry; the caller checked that it may be folded and comes next in its author's log. */
export function foldEntry(store: StateStore, entry: Entry): FoldResult {
  const result: FoldResult = { refold: false, membership: [] };
  const dot = { author: entry.author.hex, seq: entry.seq };
  const stamp = entry.hlc;
  // What the entry names of other devices joins its author's witness first,
  // so a removal in the same entry cuts no lower either (witness.ts).
  const author = store.member(entry.author) ?? EMPTY_MEMBER;
  const witnessed = withWitness(author, entry);
  if (witnessed !== author) store.putMember(entry.author, witnessed);
  for (const w of entryWrites(entry.ops)) {
    applyWrite(store.space(w.space), w.key, {
      dot,
      stamp,
      put: w.put,
      observed: w.observed === undefined ? undefined : hexDots(w.observed),
    });
  }
  // Synced folders fold in folder_state.ts, all of an entry's at once
  // (they touch no other part of the state).
  const folderOps = entry.ops.filter(isFolderOp);
  if (folderOps.length > 0) {
    foldFolderOps(store.folders(), entry.author, stamp, entry.seq, folderOps);
  }
  for (const op of entry.ops) {
    switch (op.type) {
      case "app.add":
        store.addApp(op.name);
        break;
      case "device.add": {
        const subject = op.device.key;
        let row = store.member(subject) ?? EMPTY_MEMBER;
        row = admit(row, subject, {
          by: entry.author,
          wall: stamp.wall,
          counter: stamp.counter,
          fields: fieldsOf(op.device),
        });
        if (subject === entry.author) row = writeSelf(row, entry.seq, fieldsOf(op.device));
        store.putMember(subject, row);
        result.membership.push(subject);
        break;
      }
      case "device.update": {
        // Decoding refused updates of another device; this is the author's own record.
        const row = store.member(op.device) ?? EMPTY_MEMBER;
        store.putMember(op.device, writeSelf(row, entry.seq, op.fields));
        break;
      }
      case "device.revoke": {
        const row = remove(store.member(op.device) ?? EMPTY_MEMBER, {
          by: entry.author,
          wall: stamp.wall,
          counter: stamp.counter,
          upTo: cutOf(op.upTo, store.member(entry.author), op.device),
        });
        store.putMember(op.device, row);
        result.membership.push(op.device);
        if (store.seen(op.device) > row.removed!.cut) result.refold = true;
        break;
      }
    }
  }
  store.setSeen(entry.author, entry.seq);
  return result;
}
