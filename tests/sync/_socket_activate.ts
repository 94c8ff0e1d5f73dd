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

/** Each activator's runtime folder (XDG_RUNTIME_DIR of its processes). */
const runtimes = new WeakMap<Proc, string>();

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
 * fresh `sync serve --stdio`, with `extraEnv` besides the usual variables.
 * Its processes' registry (src/transport/stdio_registry.ts) lives in a
 * runtime folder of its own on /dev/shm, removed once the activator exits.
 * Stop it by its PID.
 */
export async function activateServe(
  server: Pick<Device, "home" | "endpoint">,
  endpoint = server.endpoint,
  extraEnv: Record<string, string> = {},
): Promise<Proc> {
  const runtime = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "mycel-test-run-" });
  // The activator passes only the variables named with -E to its children.
  const env: Record<string, string> = { ...childEnv(), XDG_RUNTIME_DIR: runtime, ...extraEnv };
  const pass = ["PATH", "HOME", "DENO_DIR", "NO_COLOR", "XDG_RUNTIME_DIR", ...Object.keys(extraEnv)]
    .filter((k) => env[k] !== undefined);
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
  runtimes.set(activator, runtime);
  void activator.child.status.finally(() =>
    Deno.remove(runtime, { recursive: true }).catch(() => {})
  );
  try {
    await activator.waitFor(/Listening on/, { stream: "stderr", timeoutMs: 6_000 });
  } catch (e) {
    await activator.stop("SIGTERM");
    throw e;
  }
  return activator;
}

/** The registry folder of the processes `activator` starts (one home each). */
export function registryOf(activator: Proc): string | undefined {
  const runtime = runtimes.get(activator);
  try {
    for (const e of Deno.readDirSync(`${runtime}/mycel`)) return `${runtime}/mycel/${e.name}`;
  } catch {
    // nothing registered yet
  }
  return undefined;
}

/** The live processes' entries in `activator`'s registry. */
export function registeredOf(activator: Proc): number {
  const dir = registryOf(activator);
  if (dir === undefined) return 0;
  // PID-START.json (stdio_registry.ts); the folder holds the cut rule's state too.
  return [...Deno.readDirSync(dir)].filter((e) => /^\d+-\d+\.json$/.test(e.name)).length;
}

/** The pids of `activator`'s children (its activated processes) running now. */
export async function activatedPids(activator: Proc): Promise<number[]> {
  const pid = activator.child.pid;
  let kids = "";
  for await (const t of Deno.readDir(`/proc/${pid}/task`)) {
    kids += await Deno.readTextFile(`/proc/${pid}/task/${t.name}/children`).catch(() => "");
  }
  return kids.trim().split(/\s+/).filter((k) => k !== "").map(Number);
}

/** Wait until `activator` has no child left (every activated `sync serve --stdio` exited). */
export async function activatedDone(activator: Proc, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const kids = (await activatedPids(activator)).join(" ");
    if (kids === "") return;
    if (Date.now() > until) throw new Error(`activated processes still running: ${kids.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
