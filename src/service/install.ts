/**
 * @module install
 * Writing, enabling, removing and inspecting the systemd units (user or
 * system) and the cron lines (the launchd agents are in launchd_install.ts). systemctl is used only when systemd is running
 * (`/run/systemd/system` exists); otherwise the units are still written and
 * the caller says how to enable them.
 */

import { isMycelError } from "../errors.ts";
import { writeFileAtomic } from "../storage/atomic.ts";
import type { Runner } from "../mesh/system.ts";
import { hasMycelCron, withoutMycel } from "./cron_marker.ts";
import { ENABLED_UNITS, renderCron, renderUnits, type ServiceSpec, UNIT_NAMES } from "./units.ts";

/** Where units go. */
export type ServiceScope = "user" | "system";

/** Folder for units of `scope`. */
export function unitDir(scope: ServiceScope, env: (n: string) => string | undefined): string {
  if (scope === "system") return "/etc/systemd/system";
  const xdg = env("XDG_CONFIG_HOME");
  return `${xdg || `${env("HOME") ?? "/root"}/.config`}/systemd/user`;
}

/** True when systemd is the running init (so systemctl works). */
export async function systemdRunning(): Promise<boolean> {
  try {
    return (await Deno.stat("/run/systemd/system")).isDirectory;
  } catch {
    return false;
  }
}

function ctl(scope: ServiceScope, ...args: string[]): string[] {
  return scope === "user" ? ["--user", ...args] : args;
}

/** Result of an install. */
export interface InstallResult {
  /** Files written. */
  files: string[];
  /** True when systemctl enabled and started the timer and socket. */
  enabled: boolean;
  /** Why they were not enabled, if not. */
  note?: string;
}

/** Write the units into `dir` and enable them unless told not to. */
export async function installUnits(
  spec: ServiceSpec,
  scope: ServiceScope,
  dir: string,
  runner: Runner,
  enable: boolean,
): Promise<InstallResult> {
  await Deno.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const u of renderUnits(spec)) {
    const path = `${dir}/${u.name}`;
    await writeFileAtomic(path, new TextEncoder().encode(u.content));
    await Deno.chmod(path, 0o644);
    files.push(path);
  }
  if (!enable) return { files, enabled: false, note: "not enabled (--no-enable)" };
  if (!(await systemdRunning())) {
    return { files, enabled: false, note: "systemd is not running here" };
  }
  await runner.run("systemctl", ctl(scope, "daemon-reload"));
  const r = await runner.run(
    "systemctl",
    ctl(scope, "enable", "--now", ...ENABLED_UNITS),
  );
  if (r.code !== 0) return { files, enabled: false, note: r.stderr.trim().split("\n")[0] };
  return { files, enabled: true };
}

/** Disable (when systemd runs) and remove the units from `dir`. */
export async function uninstallUnits(
  scope: ServiceScope,
  dir: string,
  runner: Runner,
): Promise<string[]> {
  if (await systemdRunning()) {
    await runner.run(
      "systemctl",
      ctl(scope, "disable", "--now", ...ENABLED_UNITS),
    );
  }
  const removed: string[] = [];
  for (const name of UNIT_NAMES) {
    try {
      await Deno.remove(`${dir}/${name}`);
      removed.push(`${dir}/${name}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  if (removed.length > 0 && (await systemdRunning())) {
    await runner.run("systemctl", ctl(scope, "daemon-reload"));
  }
  return removed;
}

/** What `service status` reports about the units. */
export interface UnitStatus {
  /** Unit files present in the folder. */
  installed: boolean;
  /** `systemctl is-active` of the timer ("unknown" without systemd). */
  timer: string;
  /** `systemctl is-active` of the socket. */
  socket: string;
  /** Next elapse of the timer (ms since epoch), if known. */
  nextRound?: number;
}

/** Inspect the units. */
export async function unitStatus(
  scope: ServiceScope,
  dir: string,
  runner: Runner,
): Promise<UnitStatus> {
  let installed = true;
  for (const name of UNIT_NAMES) {
    try {
      await Deno.stat(`${dir}/${name}`);
    } catch {
      installed = false;
    }
  }
  if (!(await systemdRunning())) return { installed, timer: "unknown", socket: "unknown" };
  const state = async (unit: string) =>
    (await runner.run("systemctl", ctl(scope, "is-active", unit))).stdout.trim() || "unknown";
  const show = await runner.run(
    "systemctl",
    ctl(
      scope,
      "show",
      "mycel-sync.timer",
      "-p",
      "NextElapseUSecRealtime",
      "--value",
      "--timestamp=unix",
    ),
  );
  const at = /@(\d+)/.exec(show.stdout)?.[1];
  return {
    installed,
    timer: await state("mycel-sync.timer"),
    socket: await state("mycel-sync.socket"),
    nextRound: at ? Number(at) * 1000 : undefined,
  };
}

/** Install the cron lines into the user's crontab (replacing older mycel lines). */
export async function installCron(
  spec: ServiceSpec,
  runner: Runner,
  lockFile?: string,
  listen?: { address: string; lockFile?: string },
): Promise<string> {
  const lines = renderCron(spec, lockFile, listen);
  const current = await runner.run("crontab", ["-l"]);
  const kept = current.code === 0 ? withoutMycel(current.stdout) : "";
  await runner.run("crontab", ["-"], { stdin: kept + lines });
  return lines;
}

/** Remove mycel's lines from the user's crontab; returns how many were removed. */
export async function uninstallCron(runner: Runner): Promise<number> {
  const current = await runner.run("crontab", ["-l"]);
  if (current.code !== 0) return 0;
  const kept = withoutMycel(current.stdout);
  const removed = current.stdout.split("\n").length - kept.split("\n").length;
  if (removed > 0) await runner.run("crontab", ["-"], { stdin: kept });
  return removed;
}

/** True when the user's crontab holds mycel's lines (false without a crontab or `crontab`). */
export async function cronInstalled(runner: Runner): Promise<boolean> {
  try {
    const current = await runner.run("crontab", ["-l"]);
    return current.code === 0 && hasMycelCron(current.stdout);
  } catch (e) {
    if (isMycelError(e, "missing_tool")) return false; // no crontab command
    throw e; // hung (tool_timeout) or Ctrl-C
  }
}
