/**
 * @module checkpoint_claims
 * What a member's checkpoint may claim (pure). A checkpoint is its signer's
 * word about the state its frontier's entries fold to; for the chains this
 * device already holds as far as that frontier, the word adds nothing and
 * can be held to what those entries say. A hostile member could otherwise
 * sign a state that renames another device or points its endpoints
 * elsewhere (a record changes only through its own entries), removes or
 * admits a device in the name of a member whose entries we hold and which
 * never did so, or credits a device with changes beyond the entries it
 * covers (found by an attack review with forged, re-signed checkpoints).
 *
 * Refused (the whole checkpoint), with the reason:
 * - a head of a device that is no device of the checkpoint's own state;
 * - a head this device can't check against its own chain — past where that
 *   chain ends, below where its held entries start (a re-base starts the
 *   chain again there), or of a chain it does not hold — without that
 *   author's own signed entry at the head (the decoder checks the entry is
 *   that head's): a made-up head would make the device's later entries stop
 *   linking here ({@link headProofProblem}, also what a pairing joiner,
 *   which holds nothing, checks);
 * - a change or fold mark of an author past the checkpoint's own frontier
 *   for that author (it claims what it does not cover);
 * - a field of a device's record written past its frontier;
 * - an admission or removal by a device whose chain this device holds at
 *   least as far as the frontier, which this device's state does not have;
 * - for such a device whose whole chain this device folded from its first
 *   entry, a witness (what its entries name of the others, witness.ts)
 *   above what its entries here name: a raised witness would make that
 *   device's later removals cut less (found by a review: a stolen member's
 *   checkpoint could credit the owner with having seen all of the thief's
 *   entries, so the owner's removal of it cut nothing). Only then is our
 *   witness exact: a chain held from a base has the witness that base
 *   came with, which may be lower (a base of an earlier release holds
 *   none), and holding it against an honest checkpoint would refuse it —
 *   and a refused checkpoint ends the session;
 * - a device's keys marked disputed (membership.ts `contested`: admissions
 *   of it by other devices disagree) when this device folded, from each
 *   chain's first entry, every entry the checkpoint covers and its state
 *   has no such mark (a made-up mark takes a newcomer's keys away); or not
 *   marked when the checkpoint covers every entry this device folded, from
 *   each chain's first entry, and its state has the mark (a dropped mark
 *   gives the device the kept admission's keys, which may be a member's
 *   own). The mark depends only on the set of admissions, so in either
 *   case the smaller set's mark must be in the larger's. Only for a state
 *   folded under this release's rules (`rulesCurrent`); chains held from a
 *   base carry what that base said, so they leave the mark to the signer.
 *
 * Invariants: an honest checkpoint (the fold of its frontier's entries) is
 * never refused; what is refused changes nothing. What is left to trust is
 * the part of the state made by entries this device does not hold (the
 * chains the checkpoint brings): that is what a checkpoint is for
 * (docs/trust.md, "Limits").
 */

import type { DeviceKey } from "./device_key.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { DEVICE_FIELDS } from "./device_record.ts";
import { SPACES } from "./state.ts";

/** What this device holds, to hold a checkpoint's claims against. */
export interface HeldView {
  /** Last seq of `author` folded here (0: none). */
  seen(author: DeviceKey): number;
  /** Whether this device's state has `key` admitted, and removed; what its entries name. */
  member(key: DeviceKey):
    | {
      admitted?: { readonly contested?: true };
      removed?: unknown;
      witnessed?: Readonly<Record<string, number>>;
    }
    | undefined;
  /**
   * False when this device's state does not keep witnesses yet (a home an
   * earlier release folded, until its first write folds it again): its
   * witnesses say nothing then, so they are not held against a checkpoint.
   */
  witnessKnown?: boolean;
  /** This device's chain of `author`: where its held part starts (base) and ends. */
  chain(author: DeviceKey): { base: number; end: number } | undefined;
  /**
   * True when this device's state was folded under this release's rules, so
   * its disputed-key marks are exact for what it folded (sql_local.ts
   * `FOLD_RULES`); marks are held against a checkpoint only then.
   */
  rulesCurrent?: boolean;
  /** Every author whose chain this device holds (for the dropped-mark check). */
  authors?(): Iterable<DeviceKey>;
}

/**
 * Why a head of `cp` can't be taken without its author's signed entry
 * (undefined: every such head carries one). `chain` says what this device
 * holds of each chain; a joiner holds nothing.
 */
export function headProofProblem(
  cp: Pick<Checkpoint, "frontier" | "state">,
  chain: HeldView["chain"] = () => undefined,
): string | undefined {
  for (const f of cp.frontier) {
    if (cp.state.memberRow(f.author) === undefined) {
      return `it covers entries of ${f.author.short}, which is no device of its state`;
    }
    const ours = chain(f.author);
    const unchecked = ours === undefined || f.seq > ours.end || f.seq < ours.base;
    if (f.proof === undefined && unchecked) {
      return `it covers ${f.author.short}'s entries to #${f.seq} without ${f.author.short}'s ` +
        `own signed entry #${f.seq}`;
    }
  }
  return undefined;
}

/** Why `cp` claims more than its frontier covers (undefined: it does not). */
export function checkpointClaimProblem(cp: Checkpoint, held: HeldView): string | undefined {
  const covered = new Map<string, number>();
  for (const f of cp.frontier) covered.set(f.author.hex, f.seq);
  const upTo = (hex: string) => covered.get(hex) ?? 0;
  const past = (what: string, hex: string, seq: number) =>
    `it holds ${what} of ${hex.slice(0, 7)}… #${seq} past the #${upTo(hex)} it covers`;
  // Made by a device whose entries up to the frontier are all folded here:
  // if it had written it, this device would have it too.
  const heldFully = (by: DeviceKey) => held.seen(by) >= upTo(by.hex);
  const heads = headProofProblem(cp, (a) => held.chain(a));
  if (heads !== undefined) return heads;
  const s = cp.state;
  for (const [hex, seq] of s.seenAll()) if (seq > upTo(hex)) return past("changes", hex, seq);
  for (const space of SPACES) {
    for (const [, versions] of s.keysOf(space)) {
      for (const v of versions) {
        if (v.dot.seq > upTo(v.dot.author)) return past("a change", v.dot.author, v.dot.seq);
      }
    }
  }
  // Parked dots are not checked: they are other entries' observations of a
  // change not folded yet (a device's entries past a cut, or not arrived).
  const marks = markBounds(cp, held);
  for (const [key, row] of s.memberRows()) {
    for (const f of DEVICE_FIELDS) {
      const field = row.self[f];
      if (field !== undefined && field.seq > upTo(key.hex)) {
        return past(`its ${f}`, key.hex, field.seq);
      }
    }
    const ours = held.member(key);
    if (row.added !== undefined && ours?.admitted === undefined && heldFully(row.added.by)) {
      return `it holds an admission of ${key.short} by ${row.added.by.short}, ` +
        "whose entries here have none";
    }
    if (row.removed !== undefined && ours?.removed === undefined && heldFully(row.removed.by)) {
      return `it holds a removal of ${key.short} by ${row.removed.by.short}, ` +
        "whose entries here have none";
    }
    const ourMark = ours?.admitted?.contested === true;
    const theirMark = row.added?.contested === true;
    if (theirMark && !ourMark && marks.weHoldAll) {
      return `it marks ${key.short}'s keys as disputed, which the admissions here do not show`;
    }
    if (ourMark && !theirMark && row.added !== undefined && marks.itHoldsAll) {
      return `it leaves out that admissions of ${key.short} disagree on its keys, ` +
        "which the admissions it covers show";
    }
    if (
      row.witnessed !== undefined && held.witnessKnown !== false && heldFully(key) &&
      held.chain(key)?.base === 0
    ) {
      // Honest: the witness as of the frontier, which is at most ours as of
      // what we folded of it (the same entries, and more; a witness only
      // grows along a chain).
      for (const [hex, seq] of Object.entries(row.witnessed)) {
        if (seq > (ours?.witnessed?.[hex] ?? 0)) {
          return `it credits ${key.short} with having seen ${hex.slice(0, 7)}… #${seq}, ` +
            "which its entries here do not name";
        }
      }
    }
  }
  return undefined;
}

/**
 * Whether this device folded every entry `cp` covers (`weHoldAll`), and
 * whether `cp` covers every entry this device folded (`itHoldsAll`), each
 * chain from its first entry: then the larger side's admissions include the
 * smaller side's, and so do its disputed-key marks.
 */
function markBounds(cp: Checkpoint, held: HeldView): { weHoldAll: boolean; itHoldsAll: boolean } {
  if (held.rulesCurrent !== true) return { weHoldAll: false, itHoldsAll: false };
  const whole = (a: DeviceKey) => held.chain(a)?.base === 0;
  const covered = new Map(cp.frontier.map((f) => [f.author.hex, f.seq]));
  const weHoldAll = cp.frontier.every((f) => whole(f.author) && held.seen(f.author) >= f.seq);
  let itHoldsAll = held.authors !== undefined;
  for (const a of held.authors?.() ?? []) {
    if (!whole(a) || (covered.get(a.hex) ?? 0) < held.seen(a)) itHoldsAll = false;
  }
  return { weHoldAll, itHoldsAll };
}
