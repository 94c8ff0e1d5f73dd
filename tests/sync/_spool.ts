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
 * How many connections `pid` holds to the database of the home at `root`:
 * each opens `mycel.db` once (/proc/PID/fd). A whole checkpoint for a sync
 * session is made from a snapshot read through a connection of its own
 * (storage/whole_checkpoint.ts): one more while it is made.
 */
export async function databaseOpens(pid: number, root: string): Promise<number> {
  const db = await Deno.realPath(`${root}/mycel.db`);
  let n = 0;
  for await (const fd of Deno.readDir(`/proc/${pid}/fd`)) {
    if ((await Deno.readLink(`/proc/${pid}/fd/${fd.name}`).catch(() => "")) === db) n++;
  }
  return n;
}
