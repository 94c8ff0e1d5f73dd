/**
 * @module cut_budget_shared
 * The cut rule (cut_budget.ts) kept across the `sync serve --stdio`
 * processes of one home: under socket activation every connection is a
 * process of its own, and with a gate per process a member asking again (or
 * as a made-up device) from a new connection found a fresh budget each
 * time: none at all. Each decision reads, changes and writes the state
 * under an exclusive lock, so the rule holds across them as under
 * `--listen`.
 *
 * Where: a small file ({@link STATE_FILE}) beside the home's registry of
 * `--stdio` processes (src/transport/stdio_registry_dir.ts: in memory,
 * ours, 0700, no link, named under a secret of the home), locked with
 * flock on {@link LOCK_FILE}. Not the home's SQLite: a write there waits
 * for the write lock, which another process may hold for long (a round
 * storing a large checkpoint), and a serve must never wait on it for this;
 * and being in memory, it costs no disk write (a stranger never gets here
 * anyway: only a member's session asks for a cut). The lock is held for a
 * read and a write of at most a few tens of KiB (cut_transitions.ts
 * MAX_KEPT), and the kernel drops it with a holder that dies.
 *
 * A crash holds nothing for good: a cut names its process by pid and start
 * time (stdio_registry.ts `startOf`, so a reused pid is not taken for it),
 * renews its `alive` every {@link RENEW_MS} while it holds the cut, and once
 * that process is gone the next decision counts its cut as abandoned at its
 * last renewal (cut_transitions.ts `settle`). Times are the boot clock
 * (/proc/uptime): the same for every process, never going back, and the
 * memory folder goes with a reboot.
 *
 * Fails open: a file that cannot be used costs a note, and this process
 * decides by its own gate (as before).
 */

import { isMycelError } from "../errors.ts";
import { startOf } from "../transport/stdio_registry.ts";
import { CutBudget } from "./cut_budget.ts";
import {
  type Cut,
  cutOf,
  type CutState,
  forget,
  freshState,
  renew,
  settle,
  take,
  type Ticket,
} from "./cut_transitions.ts";

export const STATE_FILE = "cuts.json";
export const LOCK_FILE = "cuts.lock";
/** How often a process holding a cut says it is alive (ms). */
export const RENEW_MS = 1_000;
/** A larger file is not ours to read (MAX_KEPT entries per record are a few tens of KiB). */
const MAX_FILE = 1 << 20;

/** Milliseconds since boot, the same in every process. */
export function bootClock(): number {
  return Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]) * 1000;
}

/** Whether the process named `holder` ("pid-start") still runs. */
function live(holder: string): boolean {
  const m = /^(\d+)-(\d+)$/.exec(holder);
  return m !== null && startOf(Number(m[1])) === m[2];
}

/** The cut rule of the home whose registry folder `dir()` gives, shared by its processes. */
export class SharedCutBudget<K> {
  /** This process as a holder ("pid-start"); undefined without /proc: then the file is not used. */
  readonly #self: string | undefined;
  readonly #fallback: CutBudget<K>;
  #dir?: string;
  #failed = false;

  constructor(
    readonly dir: () => string,
    readonly name: (k: K) => string,
    readonly log: (line: string) => void,
    readonly now: () => number = bootClock,
  ) {
    const start = startOf(Deno.pid);
    this.#self = start === undefined ? undefined : `${Deno.pid}-${start}`;
    // Its own clock when the boot clock is what failed (no /proc).
    this.#fallback = new CutBudget<K>(now === bootClock ? undefined : now, name);
  }

  /** Take the gate for a cut for `peer` of `group` (`whole`: see CutBudget), or throw `busy`. */
  take(peer: K, group: K, whole = false): Cut {
    if (this.#failed) return this.#fallback.take(peer, group, whole);
    let ticket: Ticket;
    try {
      ticket = this.#locked((s, t, self) =>
        take(s, t, this.name(peer), this.name(group), self, whole)
      );
    } catch (e) {
      if (!this.#failing(e)) throw e; // busy
      return this.#fallback.take(peer, group, whole);
    }
    const apply = (change: (s: CutState, t: number) => void) => {
      try {
        this.#locked(change);
      } catch (e) {
        this.#failing(e);
      }
    };
    const timer = setInterval(() => apply((s, t) => renew(s, t, ticket)), RENEW_MS);
    Deno.unrefTimer(timer);
    const cut = cutOf(ticket, apply);
    return {
      began: () => cut.began(),
      made: () => cut.made(),
      done: (whole) => {
        clearInterval(timer);
        cut.done(whole);
      },
      refused: () => {
        clearInterval(timer);
        cut.refused();
      },
    };
  }

  /** A session of `peer` that needs no cut: it waits no longer (cut_budget.ts). */
  leftWaiting(peer: K): void {
    this.#fallback.leftWaiting(peer);
    if (this.#failed) return;
    const key = this.name(peer);
    try {
      this.#locked((s, t) => {
        forget(s, t);
        if (s.waiting[key] === undefined) return false; // nothing to write
        delete s.waiting[key];
      });
    } catch (e) {
      this.#failing(e);
    }
  }

  /** A failure of the file (not a refusal): noted once, the process's own gate used from now on. */
  #failing(e: unknown): boolean {
    if (isMycelError(e, "busy")) return false;
    if (!this.#failed) this.log(`note: cuts not counted across processes: ${(e as Error).message}`);
    this.#failed = true;
    return true;
  }

  /**
   * Run `change` on the state under the lock, at the shared clock's now,
   * after settling the cuts of processes gone; the state is written back
   * (also when `change` throws: a refusal puts its device in the waiting
   * line) unless `change` returns false.
   */
  #locked<T>(change: (s: CutState, t: number, self: string) => T): T {
    const self = this.#self;
    // Without /proc no process could be told alive: every other cut would count as abandoned.
    if (self === undefined) throw new Error("/proc/self/stat cannot be read");
    const dir = this.#dir ??= this.dir();
    using lock = Deno.openSync(`${dir}/${LOCK_FILE}`, {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
    lock.lockSync(true);
    const t = this.now(); // before anything changes: a clock that fails writes nothing
    const s = this.#read(dir);
    settle(s, (h) => h === self || live(h));
    let write = true;
    try {
      const r = change(s, t, self);
      if (r === false) write = false;
      return r;
    } finally {
      if (write) this.#write(dir, s);
    }
  }

  #read(dir: string): CutState {
    const path = `${dir}/${STATE_FILE}`;
    try {
      const st = Deno.lstatSync(path);
      if (!st.isFile || st.size > MAX_FILE) return freshState();
      const s = JSON.parse(Deno.readTextFileSync(path)) as CutState;
      const records = [s.held, s.groupServed, s.served, s.coolUntil, s.waiting];
      // Torn or not ours (the folder is ours alone): as if nothing were remembered.
      if (records.some((r) => typeof r !== "object" || r === null)) return freshState();
      // A file an earlier release of this boot wrote has no such record.
      if (typeof s.spared !== "object" || s.spared === null) s.spared = {};
      return s;
    } catch {
      return freshState();
    }
  }

  #write(dir: string, s: CutState): void {
    const temp = `${dir}/${STATE_FILE}.tmp`;
    Deno.writeTextFileSync(temp, JSON.stringify(s), { mode: 0o600 });
    Deno.renameSync(temp, `${dir}/${STATE_FILE}`);
  }
}
