/**
 * @module bench_teardown
 * What a whole-process bench makes that must not outlive it — child
 * processes (and theirs: Syncthing's monitor starts the real one), nftables
 * tables, temporary folders — noted as it is made and undone once: when the
 * run ends, or on SIGINT or SIGTERM (Ctrl-C). Before, a signal ended
 * folder_bench at once: its nft table stayed in the kernel, and its servers
 * (mycel's `sync serve`s, Syncthing, rsync's daemon) and work folder stayed
 * too. Once tearing down, nothing new is started, so a bench still running
 * between its awaits can't leave something behind the teardown has passed.
 */

/** Everything a bench made, undone at once by {@link Teardown.run}. */
export class Teardown {
  readonly #live = new Set<Deno.ChildProcess>();
  readonly #tables = new Set<string>();
  readonly #dirs = new Set<string>();
  #done: Promise<void> | undefined;

  /** True once the teardown began: whatever fails after it is its doing. */
  get stopping(): boolean {
    return this.#done !== undefined;
  }

  /** Start `cmd`, tracked until it exits; refused once tearing down. */
  spawn(cmd: Deno.Command): Deno.ChildProcess {
    if (this.stopping) throw new Error("the bench is stopping: nothing new is started");
    const p = cmd.spawn();
    this.#live.add(p);
    const gone = () => this.#live.delete(p);
    p.status.then(gone, gone);
    return p;
  }

  /** An `inet` nftables table about to be made (noted first: a signal may come while it is). */
  table(name: string): void {
    this.#tables.add(name);
  }

  /** The table `name` was deleted by its maker. */
  tableGone(name: string): void {
    this.#tables.delete(name);
  }

  /** A folder removed (recursively) at the end. */
  dir(path: string): void {
    this.#dirs.add(path);
  }

  /**
   * Kill every tracked process with its descendants (SIGKILL: what they
   * hold is in the bench's folders, removed next) and wait for them, delete
   * the tables, remove the folders. Once; later calls wait for the first.
   */
  run(): Promise<void> {
    return this.#done ??= this.#run();
  }

  async #run(): Promise<void> {
    // The trees first, then the kills: a parent killed first hands its
    // children to init, and they are no longer found under it.
    const pids = new Set<number>();
    for (const p of this.#live) for (const pid of treeOf(p.pid)) pids.add(pid);
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* exited */ }
    }
    await Promise.all([...this.#live].map((p) => p.status.catch(() => {})));
    await untilGone([...pids], 5000);
    // After the processes: an `nft -f` still making a table has ended (its
    // transaction is all or nothing), so the delete below finds what it made.
    for (const name of this.#tables) {
      await new Deno.Command("nft", {
        args: ["delete", "table", "inet", name],
        stdout: "null",
        stderr: "null",
      }).output().catch(() => {});
    }
    // Synchronous: a bench still running between its awaits can't write into
    // a folder while it is being removed.
    for (const dir of this.#dirs) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* gone */ }
    }
  }

  /**
   * On SIGINT or SIGTERM: say so, tear down, exit 130 or 143 (as a shell
   * reports such an end). Returns what removes the listeners.
   */
  onSignals(what: string): () => void {
    const listeners = (["SIGINT", "SIGTERM"] as const).map((sig) => {
      const listener = () => {
        console.error(`${what}: ${sig}: removing what the bench made, then exiting`);
        this.run().finally(() => Deno.exit(sig === "SIGINT" ? 130 : 143));
      };
      Deno.addSignalListener(sig, listener);
      return [sig, listener] as const;
    });
    return () => {
      for (const [sig, listener] of listeners) Deno.removeSignalListener(sig, listener);
    };
  }
}

/** `pid` and its descendants (every thread's children, from /proc). */
export function treeOf(pid: number): number[] {
  const out = [pid];
  let tasks: Deno.DirEntry[];
  try {
    tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
  } catch {
    return out; // gone
  }
  for (const t of tasks) {
    let kids = "";
    try {
      kids = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/children`).trim();
    } catch { /* thread gone */ }
    if (kids) { for (const k of kids.split(/\s+/)) out.push(...treeOf(Number(k))); }
  }
  return out;
}

/** True while `pid` runs (a zombie, dead but not yet reaped, counts as gone). */
export function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Wait (up to `ms`) until none of `pids` runs. */
async function untilGone(pids: number[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (pids.some(running) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
}
