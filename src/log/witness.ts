/**
 * @module witness
 * What a device had provably seen of the others: per other device, the
 * highest seq its own signed entries name. A set or unset names the versions
 * it replaced, a pattern removal the dots it observed, a folder progress
 * record the last file version of each author it had folded — each `(D, k)`
 * proves the author held D's entry k, and so D's entries 1..k (chains only
 * arrive in order).
 *
 * Why: a removal's `upTo` is its author's word for what it had seen of the
 * removed device. An honest removal writes its own head of that device, so
 * it is never below what its author's entries name. A stolen member could
 * write a smaller one and erase entries its own writes show it had seen (the
 * versions it replaced). So a removal cuts no lower than its author's
 * witness as of the entry holding it ({@link cutOf}).
 *
 * Invariants: the witness of an author as of its entry `seq` depends only on
 * that author's chain up to `seq` (and, for a chain started from a
 * checkpoint, the witness the checkpoint carries for it), so every device
 * computes the same cut. The fold keeps it in the author's membership row
 * (`MemberRow.witnessed`); a rebuild recomputes it for each removal from the
 * chain ({@link witnessedEvents}).
 */

import type { DeviceKey } from "./device_key.ts";
import type { Entry, SignedEntry } from "./entry.ts";
import type { MemberRow } from "./membership.ts";
import type { RevokeEvent } from "./removals.ts";

/** Per other device (hex), the highest seq `entry` names; its author's own dots are left out. */
export function entryWitness(entry: Entry): Map<string, number> {
  const out = new Map<string, number>();
  eachNamed(entry, (author, seq) => {
    if (seq > (out.get(author.hex) ?? 0)) out.set(author.hex, seq);
  });
  return out;
}

/**
 * Call `see` for every (other device, seq) `entry` names. A release that
 * makes this name more would compute higher witnesses than this one, whose
 * checkpoint claims check (checkpoint_claims.ts) would then refuse its
 * checkpoints, and cut removals differently: such a change needs a new
 * protocol version, not just a new release.
 */
function eachNamed(entry: Entry, see: (author: DeviceKey, seq: number) => void): void {
  const other = (author: DeviceKey, seq: number) => {
    if (author !== entry.author) see(author, seq);
  };
  for (const op of entry.ops) {
    switch (op.type) {
      case "config.set":
      case "config.unset":
      case "pref.set":
      case "pref.unset":
        for (const d of op.observed ?? []) other(d.author, d.seq);
        break;
      case "pattern.remove":
        for (const d of op.dots) other(d.author, d.seq);
        break;
      case "folder.progress":
        for (const [author, seq] of op.progress.frontier) other(author, seq);
        break;
    }
  }
}

/**
 * `row` with what `entry` names joined into its witness (highest wins); the
 * same row when nothing grows. Called for every entry folded, so it builds
 * nothing unless something grows.
 */
export function withWitness(row: MemberRow, entry: Entry): MemberRow {
  let witnessed = row.witnessed;
  let copied = false;
  eachNamed(entry, (author, seq) => {
    if (seq <= (witnessed?.[author.hex] ?? 0)) return;
    if (!copied) witnessed = { ...witnessed };
    copied = true;
    (witnessed as Record<string, number>)[author.hex] = seq;
  });
  return witnessed === row.witnessed ? row : { ...row, witnessed };
}

/** The cut a removal of `subject` with `upTo` makes, written by the device whose row is `author`. */
export function cutOf(upTo: number, author: MemberRow | undefined, subject: DeviceKey): number {
  return Math.max(upTo, author?.witnessed?.[subject.hex] ?? 0);
}

/**
 * `events` with each `upTo` raised to its author's witness as of the entry
 * holding it: the witness `base` gives the author (the state a rebuild starts
 * from), joined with the author's entries from `after(author)` up to the
 * removal. `read` gives an author's entries after a seq, in order.
 */
export function witnessedEvents(
  events: readonly RevokeEvent[],
  base: (author: DeviceKey) => MemberRow | undefined,
  after: (author: DeviceKey) => number,
  read: (author: DeviceKey, after: number, limit: number) => SignedEntry[],
): RevokeEvent[] {
  const byAuthor = new Map<DeviceKey, number[]>();
  events.forEach((e, i) => byAuthor.set(e.author, [...(byAuthor.get(e.author) ?? []), i]));
  const out = [...events];
  for (const [author, indexes] of byAuthor) {
    indexes.sort((i, j) => events[i].seq - events[j].seq);
    let row: MemberRow = base(author) ?? { self: {} };
    let at = after(author);
    for (const i of indexes) {
      const e = events[i];
      while (at < e.seq) {
        const batch = read(author, at, Math.min(1000, e.seq - at));
        if (batch.length === 0) break;
        for (const s of batch) {
          if (s.entry.seq > e.seq) break;
          row = withWitness(row, s.entry);
          at = s.entry.seq;
        }
        if (batch[batch.length - 1].entry.seq > e.seq) break;
      }
      out[i] = { ...e, upTo: cutOf(e.upTo, row, e.subject) };
    }
  }
  return out;
}
