/**
 * @module cut_transitions
 * The cut rule's state (cut_budget.ts states the rule) as plain data, keys
 * named by strings, so one process keeps it in memory and the `--stdio`
 * processes of a home in a shared file (cut_budget_shared.ts); and each
 * change to it, at a time `t` the caller reads from its clock. Pure.
 */

import { MycelError } from "../errors.ts";

/**
 * After any cut, no other for its group (its admitter's devices) for this
 * long (ms); and no other for a device whose cut was abandoned. Shorter than
 * the sync service's rounds (every 30 s or more): an honest device whose
 * session broke mid-cut, or a sibling of one just cut for, gets its cut in
 * its next round.
 */
export const CUT_COOL_DOWN_MS = 10_000;
/**
 * After a cut sent whole, no other for that device for this long from the
 * cut's start (ms), and {@link CUT_COOL_DOWN_MS} at least from its end: it
 * holds our state now and its next rounds ask entries, not a cut, unless
 * more than 5000 entries and 4 × the state were written meanwhile
 * (exchange_send.ts CHECKPOINT_MIN), or it could not take what we sent
 * (its disk full, its session's deadline passed while it stored it). Such a
 * device is cut for again at its second round after: counted from the end
 * as before (60 s), its rounds, 30 s from round start to round start, came
 * back before that end + 60 s, and it waited three rounds.
 */
export const WHOLE_COOL_DOWN_MS = 50_000;
/** After a cut that took `d`, the home cuts nothing for this × `d` (≤ 1/4 of the time). */
export const DUTY_FACTOR = 3;
/**
 * How long a refused device counts as waiting (ms): three of the service's
 * 30 s rounds, so its next round finds its turn kept; one that stopped
 * asking (caught up elsewhere, switched off) holds no one up longer.
 */
export const WAITING_MS = 90_000;
/**
 * Devices (and groups) each record of the state keeps at most: a member
 * dialling as thousands of made-up devices within {@link WAITING_MS} grows
 * neither our memory nor the shared file past this. Past it, the waiting
 * device that would go last, and the oldest cut, are forgotten.
 */
export const MAX_KEPT = 256;

/** A cut under way: being made (`making`), or made and its parts being sent. */
export interface Held {
  /** Who holds it: "" in one process, else the holding process (cut_budget_shared.ts). */
  holder: string;
  since: number;
  /** When the holder last said it was alive (it renews this while it holds the cut). */
  alive: number;
  making: boolean;
  /**
   * When its making began (its snapshot taken): the rest after it (rule 2)
   * counts from here, not from the take. Waiting before (behind the home's
   * queued writes, one of them waiting for another process's write lock,
   * up to 60 s) is no cutting: counted, the home rested 3 times the wait.
   */
  began?: number;
}

/** What the rule remembers (times in the clock's ms). */
export interface CutState {
  /** When the home may start its next cut (rule 2); none: now. */
  openAt?: number;
  /** By device: its cut under way (rules 1 and 4). */
  held: Record<string, Held>;
  /** Per group and per device: when its last cut started. */
  groupServed: Record<string, number>;
  served: Record<string, number>;
  /** Per device: until when it gets no cut (rule 4). */
  coolUntil: Record<string, number>;
  /** Refused devices: their group and since when they wait (rule 5). */
  waiting: Record<string, { group: string; since: number; last: number }>;
  /**
   * Per device whose whole checkpoint we refused as too large: the rest its
   * try began (`openAt` then), which its next cut in parts is spared.
   */
  spared: Record<string, number>;
}

export function freshState(): CutState {
  return { held: {}, groupServed: {}, served: {}, coolUntil: {}, waiting: {}, spared: {} };
}

/** A cut taken: see cut_gate.ts {@link Cut}. */
export interface Cut {
  /** Its making begins now (its snapshot is taken): see {@link Held} `began`. The first call counts. */
  began(): void;
  made(): void;
  done(whole: boolean): void;
  /**
   * We refused to make it (the state too large to go whole to a peer that
   * takes no parts): no cut for the device or its group (rules 3, 4; its
   * wait is over), so the same device, updated, is cut for in parts at
   * once. But the home rests after it as after a cut (rule 2), for every
   * other ask: the try made up to 64 MiB of checkpoint, twice (seconds of
   * CPU, a snapshot held), and a member claiming no parts against such a
   * state made us try again as often as it asked, back to back.
   */
  refused(): void;
}

/** What `take` hands out: enough to give the cut back. */
export interface Ticket {
  peer: string;
  group: string;
  holder: string;
  since: number;
  before: { group?: number; served?: number };
}

function busy(reason: string): MycelError {
  return new MycelError("busy", "send the state", reason, {
    hint: "The next round tries again.",
  });
}

/**
 * Take the gate at `t` for a cut for `peer` of `group` held by `holder`, or
 * throw `busy`. `whole`: a whole checkpoint for a peer that takes no parts,
 * not a cut in parts.
 */
export function take(
  s: CutState,
  t: number,
  peer: string,
  group: string,
  holder: string,
  whole = false,
): Ticket {
  forget(s, t);
  if (s.held[peer] !== undefined || (s.coolUntil[peer] ?? -Infinity) > t) {
    throw busy("it cut its state for this device moments ago");
  }
  // The rest after its own refused try does not hold up its cut in parts.
  const spared = !whole && (s.openAt ?? -Infinity) <= (s.spared[peer] ?? -Infinity);
  const crowded = Object.values(s.held).some((h) => h.making)
    ? "it is cutting its state for another session now"
    : (s.openAt ?? -Infinity) > t && !spared
    ? "it cut its state moments ago and rests between cuts"
    : t - (s.groupServed[group] ?? -Infinity) < CUT_COOL_DOWN_MS
    ? "it cut its state moments ago for a device admitted by the same member"
    : aheadOf(s, peer, group, t)
    ? "another device has waited longer for its state"
    : undefined;
  if (crowded !== undefined) {
    s.waiting[peer] = { group, since: s.waiting[peer]?.since ?? t, last: t };
    capWaiting(s);
    throw busy(crowded);
  }
  delete s.waiting[peer];
  delete s.spared[peer];
  const before = { group: s.groupServed[group], served: s.served[peer] };
  s.groupServed[group] = t;
  s.served[peer] = t;
  // Its parts are still being sent after it is made: no second cut meanwhile.
  s.held[peer] = { holder, since: t, alive: t, making: true };
  for (const r of [s.groupServed, s.served]) capOldest(r);
  return { peer, group, holder, since: t, before };
}

const ours = (s: CutState, k: Ticket) => {
  const h = s.held[k.peer];
  return h !== undefined && h.holder === k.holder && h.since === k.since ? h : undefined;
};

/** The holder of `k` is alive at `t`. */
export function renew(s: CutState, t: number, k: Ticket): void {
  const h = ours(s, k);
  if (h !== undefined) h.alive = t;
}

/** `k`'s cut began to be made at `t` (its snapshot is taken); the first call counts. */
export function began(s: CutState, t: number, k: Ticket): void {
  const h = ours(s, k);
  if (h !== undefined && h.making && h.began === undefined) h.began = t;
}

/**
 * `k`'s cut was made (or abandoned while being made) at `t`: the home rests
 * (rule 2) three times as long as its making took, from when it began (from
 * the take when it never did). A cut made within a rest (a device's cut in
 * parts spared the rest after its refused whole try) rests after that rest:
 * counted from its own end, the two cost one rest and a member's made-up
 * devices, each tried whole then cut in parts, kept us cutting 44 % of the
 * time. (A holder that died between `began` and its next renewal: no time.)
 */
export function made(s: CutState, t: number, k: Ticket): void {
  const h = ours(s, k);
  const start = h?.began ?? k.since;
  if (h !== undefined) h.making = false;
  const took = Math.max(0, t - start);
  s.openAt = Math.max(s.openAt ?? -Infinity, start) + (DUTY_FACTOR + 1) * took;
}

/** `k`'s cut ended at `t`: sent `whole`, or abandoned (rule 4). */
export function done(s: CutState, t: number, k: Ticket, whole: boolean): void {
  if (ours(s, k) !== undefined) delete s.held[k.peer];
  const end = t + CUT_COOL_DOWN_MS;
  s.coolUntil[k.peer] = whole ? Math.max(k.since + WHOLE_COOL_DOWN_MS, end) : end;
  capOldest(s.coolUntil);
}

/**
 * `k`'s cut was refused by us at `t`: the home rests after it as after a cut
 * (rule 2, {@link made}), its next cut in parts spared that rest; for the
 * device and its group, as if not taken. Its wait is over (it had its turn):
 * put back, it stayed ahead of every device refused while we tried, and the
 * same old release asking each round made us try again at once each time,
 * the others refused for as long as its wait counted (90 s).
 */
export function refused(s: CutState, t: number, k: Ticket): void {
  if (ours(s, k)?.making) made(s, t, k);
  if (ours(s, k) !== undefined) delete s.held[k.peer];
  if (s.openAt !== undefined) {
    s.spared[k.peer] = s.openAt;
    capOldest(s.spared);
  }
  const restore = (r: Record<string, number>, key: string, v: number | undefined) => {
    if (v === undefined) delete r[key];
    else r[key] = v;
  };
  restore(s.groupServed, k.group, k.before.group);
  restore(s.served, k.peer, k.before.served);
}

/**
 * Cuts held by holders that are gone (`live` says no): abandoned when their
 * holder was last alive, as that holder would have given them back.
 */
export function settle(s: CutState, live: (holder: string) => boolean): void {
  for (const [peer, h] of Object.entries(s.held)) {
    if (live(h.holder)) continue;
    const k: Ticket = { peer, group: "", holder: h.holder, since: h.since, before: {} };
    if (h.making) made(s, h.alive, k);
    done(s, h.alive, k, false);
  }
}

/** A {@link Cut} of `k`, each change applied through `apply` (once, in order). */
export function cutOf(
  k: Ticket,
  apply: (change: (s: CutState, t: number) => void) => void,
): Cut {
  let isMade = false, given = false, isBegun = false;
  const release = () => {
    if (isMade) return;
    isMade = true;
    apply((s, t) => made(s, t, k));
  };
  return {
    began: () => {
      if (isBegun || isMade) return;
      isBegun = true;
      apply((s, t) => began(s, t, k));
    },
    made: release,
    done: (whole) => {
      if (given) return;
      given = true;
      release();
      apply((s, t) => done(s, t, k, whole));
    },
    refused: () => {
      if (given) return;
      given = true;
      isMade = true;
      apply((s, t) => refused(s, t, k));
    },
  };
}

/**
 * Drop what no longer counts, so the records hold only the devices cut for
 * or refused lately: a wait not renewed for {@link WAITING_MS}, a cool-down
 * over, a cut started longer ago than that (it orders like none).
 */
export function forget(s: CutState, t: number): void {
  for (const [k, w] of Object.entries(s.waiting)) if (t - w.last > WAITING_MS) delete s.waiting[k];
  for (const [k, until] of Object.entries(s.coolUntil)) if (until <= t) delete s.coolUntil[k];
  for (const [k, until] of Object.entries(s.spared)) if (until <= t) delete s.spared[k];
  for (const r of [s.served, s.groupServed]) {
    for (const [k, at] of Object.entries(r)) if (t - at > WAITING_MS) delete r[k];
  }
  if ((s.openAt ?? -Infinity) <= t) delete s.openAt;
}

/** True when another waiting device goes before `peer` (rule 5). */
function aheadOf(s: CutState, peer: string, group: string, t: number): boolean {
  const mine = order(s, peer, group, s.waiting[peer]?.since ?? t);
  for (const [k, w] of Object.entries(s.waiting)) {
    if (k !== peer && less(order(s, k, w.group, w.since), mine)) return true;
  }
  return false;
}

function order(s: CutState, peer: string, group: string, since: number): number[] {
  return [s.groupServed[group] ?? -Infinity, s.served[peer] ?? -Infinity, since];
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/**
 * Past {@link MAX_KEPT} waiting: the one that would go last is forgotten (of
 * equals, the one that came last).
 */
function capWaiting(s: CutState): void {
  const all = Object.entries(s.waiting);
  if (all.length <= MAX_KEPT) return;
  const key = ([k, w]: (typeof all)[number]) => order(s, k, w.group, w.since);
  const last = all.reduce((a, b) => less(key(b), key(a)) ? a : b);
  delete s.waiting[last[0]];
}

/** Past {@link MAX_KEPT}: the smallest time (the oldest cut, the soonest over) is forgotten. */
function capOldest(r: Record<string, number>): void {
  const all = Object.entries(r);
  if (all.length <= MAX_KEPT) return;
  delete r[all.reduce((a, b) => b[1] < a[1] ? b : a)[0]];
}
