/**
 * @module stdio_registry
 * The `sync serve --stdio` processes of one home that run now (under socket
 * activation every connection is a process of its own): one small file per
 * process, in a folder kept in memory only, so a stranger's connection costs
 * no disk write. src/sync/stdio_admission.ts decides with it which idle ones
 * to evict and how many sessions a member device holds.
 *
 * Where the folder is, and why another local user can neither make it nor
 * swap it: stdio_registry_dir.ts.
 *
 * An entry names its process by pid *and* start time (/proc/PID/stat), so a
 * pid reused by another process is never taken for it: such an entry, and
 * one whose process is gone (crashed, killed), is dropped when next read.
 * Every read and change happens under an exclusive lock on the folder's
 * `lock` file (flock: released by the kernel when a holder dies).
 *
 * An evicted process gets {@link EVICT_SIGNAL}, not SIGTERM: the decision
 * is taken under the lock while its member may be proving itself, and the
 * signal is handled only at its next turn of the event loop; a process
 * that authenticated meanwhile keeps its session (stdio_admission.ts),
 * which it can only tell from systemd stopping it by the signal's name.
 */

import type { Standing } from "./eviction_order.ts";
import { registryDir, unsafeRuntimeDir } from "./stdio_registry_dir.ts";

/** What an evicted process is sent (each registered process listens for it). */
export const EVICT_SIGNAL: Deno.Signal = "SIGUSR2";

/** One registered process. */
export interface StdioEntry {
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22). */
  readonly start: string;
  /** The peer's source address (connection_slots.ts `sourceOf`). */
  readonly source: string;
  /** When it registered (wall ms). */
  readonly since: number;
  readonly standing: Standing;
  /** The member device it serves (key hex), once admitted. */
  readonly device?: string;
}

/** What a change under the lock sees and may do. */
export interface RegistryView {
  /** The live entries, this process's included once registered. */
  readonly live: StdioEntry[];
  /** Write (add or replace) this process's entry. */
  putSelf(entry: Omit<StdioEntry, "pid" | "start">): StdioEntry;
  /** Whether this process's entry is there (an evicted one's is not). */
  hasSelf(): boolean;
  /** Drop `entry` and send its process {@link EVICT_SIGNAL}, if it is still that process. */
  terminate(entry: StdioEntry): boolean;
}

/** Start time of process `pid`, or undefined when there is none. */
export function startOf(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The name (field 2) may hold spaces and parentheses: count after the last ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This home's registry of `--stdio` processes. */
export class StdioRegistry implements Disposable {
  readonly pid = Deno.pid;
  readonly start: string;

  private constructor(readonly dir: string) {
    const start = startOf(this.pid);
    if (start === undefined) throw unsafeRuntimeDir("/proc/self/stat cannot be read", "/proc");
    this.start = start;
  }

  /**
   * The registry of the home at `root`, named under the home's `secret`
   * (throws when no safe memory folder exists: stdio_registry_dir.ts).
   */
  static open(
    root: string,
    env: (name: string) => string | undefined,
    secret: Uint8Array,
  ): StdioRegistry {
    return new StdioRegistry(registryDir(root, env, secret));
  }

  #file(e: { pid: number; start: string }): string {
    return `${this.dir}/${e.pid}-${e.start}.json`;
  }

  /** Run `change` under the registry's lock, on the live entries. */
  locked<T>(change: (view: RegistryView) => T): T {
    using lock = Deno.openSync(`${this.dir}/lock`, { read: true, write: true, create: true });
    lock.lockSync(true);
    const live = this.#read();
    const self = () => live.findIndex((e) => e.pid === this.pid && e.start === this.start);
    return change({
      live,
      hasSelf: () => self() >= 0,
      putSelf: (fields) => {
        const entry: StdioEntry = { ...fields, pid: this.pid, start: this.start };
        Deno.writeTextFileSync(this.#file(entry), JSON.stringify(entry), { mode: 0o600 });
        const i = self();
        if (i >= 0) live[i] = entry;
        else live.push(entry);
        return entry;
      },
      terminate: (entry) => {
        const i = live.indexOf(entry);
        if (i >= 0) live.splice(i, 1);
        this.#drop(entry);
        if (startOf(entry.pid) !== entry.start) return false; // gone, or the pid is another's
        try {
          Deno.kill(entry.pid, EVICT_SIGNAL);
          return true;
        } catch {
          return false;
        }
      },
    });
  }

  /** Remove this process's entry (at exit). */
  [Symbol.dispose](): void {
    this.locked(() => this.#drop(this));
  }

  #drop(e: { pid: number; start: string }): void {
    try {
      Deno.removeSync(this.#file(e));
    } catch {
      // already gone
    }
  }

  /** The entries whose process still runs; the others are deleted. */
  #read(): StdioEntry[] {
    const live: StdioEntry[] = [];
    for (const f of Deno.readDirSync(this.dir)) {
      const m = /^(\d+)-(\d+)\.json$/.exec(f.name);
      if (!f.isFile || m === null) continue;
      const e = { pid: Number(m[1]), start: m[2] };
      let entry: StdioEntry | undefined;
      try {
        const read = JSON.parse(Deno.readTextFileSync(this.#file(e))) as StdioEntry;
        if (read.pid === e.pid && read.start === e.start) entry = read;
      } catch {
        // torn or foreign: dropped below
      }
      if (entry !== undefined && startOf(e.pid) === e.start) live.push(entry);
      else this.#drop(e);
    }
    return live;
  }
}
