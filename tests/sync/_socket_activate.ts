/**
 * @module socket_activate
 * `mycel sync serve --stdio` for each connection to a device's endpoint,
 * under real socket activation (`systemd-socket-activate --accept --inetd`,
 * as with systemd `Accept=yes` or inetd). `--accept` is needed: without it
 * systemd-socket-activate hands the listening socket itself to the child.
 */

import { childEnv, MAIN_TS } from "../helpers/mycel.ts";
import { type Proc, spawnProcess } from "../helpers/process.ts";
import type { Device } from "./_helpers.ts";

const ACTIVATE = "/usr/bin/systemd-socket-activate";

/** Whether systemd-socket-activate is installed (scripts/install_test_deps.sh installs it). */
export async function activatorAvailable(): Promise<boolean> {
  try {
    return (await Deno.stat(ACTIVATE)).isFile;
  } catch {
    return false;
  }
}

/**
 * Listen on `server`'s endpoint (or `endpoint`); each connection starts a
 * fresh `sync serve --stdio`. Stop it by its PID.
 */
export async function activateServe(server: Device, endpoint = server.endpoint): Promise<Proc> {
  // The activator passes only the variables named with -E to its children.
  const env = childEnv();
  const pass = ["PATH", "HOME", "DENO_DIR", "NO_COLOR"].filter((k) => env[k] !== undefined);
  const activator = spawnProcess(
    ACTIVATE,
    [
      "--accept",
      "--inetd",
      "-l",
      endpoint,
      ...pass.flatMap((k) => ["-E", `${k}=${env[k]}`]),
      Deno.execPath(),
      "run",
      "-A",
      MAIN_TS,
      "--home",
      server.home,
      "sync",
      "serve",
      "--stdio",
      "--timeout",
      "10",
    ],
    { env, clearEnv: true, timeoutMs: 0 },
  );
  try {
    await activator.waitFor(/Listening on/, { stream: "stderr", timeoutMs: 6_000 });
  } catch (e) {
    await activator.stop("SIGTERM");
    throw e;
  }
  return activator;
}

/** Wait until `activator` has no child left (every activated `sync serve --stdio` exited). */
export async function activatedDone(activator: Proc, timeoutMs = 15_000): Promise<void> {
  const pid = activator.child.pid;
  const until = Date.now() + timeoutMs;
  for (;;) {
    let kids = "";
    for await (const t of Deno.readDir(`/proc/${pid}/task`)) {
      kids += await Deno.readTextFile(`/proc/${pid}/task/${t.name}/children`).catch(() => "");
    }
    if (kids.trim() === "") return;
    if (Date.now() > until) throw new Error(`activated processes still running: ${kids.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
