/**
 * @module _spool
 * A serve's cut of its state into parts seen from outside (Linux): the
 * deleted `.parts-out-` spool file it holds open from the cut's start until
 * the parts are sent or the cut stops (storage/parts_spool.ts), through
 * /proc/PID/fd.
 */

/** The size of the spooled parts `pid` holds open, or undefined when it holds none. */
export async function spoolSize(pid: number): Promise<number | undefined> {
  for await (const fd of Deno.readDir(`/proc/${pid}/fd`)) {
    const at = `/proc/${pid}/fd/${fd.name}`;
    const target = await Deno.readLink(at).catch(() => "");
    if (!/\/\.parts-out-[^/]*$/.test(target.replace(/ \(deleted\)$/, ""))) continue;
    return (await Deno.stat(at).catch(() => undefined))?.size;
  }
  return undefined;
}

/** `f()` once it is defined, polled every 20 ms for at most `ms`. */
export async function until<T>(
  what: string,
  f: () => Promise<T | undefined>,
  ms = 30_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * How many read transactions `pid` holds on the home at `root`: each holds a
 * shared lock on one of the write-ahead log's read marks (bytes 123-127 of
 * `mycel.db-shm`), listed in /proc/locks. A snapshot held for a checkpoint
 * being made is one; the main connection's reads come and go.
 */
export async function readTransactions(pid: number, root: string): Promise<number> {
  const ino = (await Deno.stat(`${root}/mycel.db-shm`)).ino;
  let n = 0;
  for (const line of (await Deno.readTextFile("/proc/locks")).split("\n")) {
    const f = line.trim().split(/\s+/);
    // "N: POSIX ADVISORY READ PID MAJ:MIN:INODE START END"
    if (f[1] !== "POSIX" || f[3] !== "READ" || f[4] !== String(pid)) continue;
    if (!f[5]?.endsWith(`:${ino}`)) continue;
    const start = Number(f[6]);
    if (start >= 123 && start <= 127) n++;
  }
  return n;
}

/**
 * Whether `pid` holds a read transaction on the home at `root` across
 * `ms` (a snapshot held for a checkpoint being made; the main connection's
 * reads are over in far less).
 */
export async function holdsSnapshot(pid: number, root: string, ms = 300): Promise<boolean> {
  if ((await readTransactions(pid, root)) === 0) return false;
  await new Promise((r) => setTimeout(r, ms));
  return (await readTransactions(pid, root)) > 0;
}
