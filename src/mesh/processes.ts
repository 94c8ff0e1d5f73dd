/**
 * @module processes
 * Watching and stopping the one kind of process mycel starts and outlives:
 * wireguard-go. Always by PID, checked first by the caller (command line
 * names our interface); never by name pattern. A zombie counts as gone (it
 * holds no interface or socket, and its parent may never reap it).
 */

/** True when `pid` is a live process (Linux: not gone, not a zombie). */
export async function procAlive(pid: number): Promise<boolean> {
  if (Deno.build.os === "linux") {
    try {
      const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  }
  try {
    Deno.kill(pid, "SIGCONT"); // a no-op for a running process, fails for a gone one
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to 2 s, then SIGKILL and wait 1 s more; true once it is gone. */
export async function stopProcess(pid: number): Promise<boolean> {
  for (const [signal, ms] of [["SIGTERM", 2000], ["SIGKILL", 1000]] as const) {
    try {
      Deno.kill(pid, signal);
    } catch {
      return !(await procAlive(pid));
    }
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!(await procAlive(pid))) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return !(await procAlive(pid));
}
