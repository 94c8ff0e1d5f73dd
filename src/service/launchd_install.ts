/**
 * @module launchd_install
 * Writing, loading, removing and inspecting mycel's launchd agents (macOS).
 * launchctl goes through the runner passed in, so the commands can be
 * checked anywhere; the plists are written atomically (mode 0644) and the
 * log folder is created first (launchd does not create it, and a job whose
 * log path cannot be opened loses its standard error).
 */

import type { Runner } from "../mesh/system.ts";
import { writeFileAtomic } from "../storage/atomic.ts";
import type { InstallResult, UnitStatus } from "./install.ts";
import {
  AGENT_LABELS,
  launchctlLoad,
  launchctlPrint,
  launchctlUnload,
  parseLaunchctlPrint,
  renderAgents,
  SERVE_LABEL,
  SYNC_LABEL,
} from "./launchd.ts";
import type { ServiceSpec } from "./units.ts";

/** Where and as whom the agents go. */
export interface AgentTarget {
  /** `~/Library/LaunchAgents` (or `--dir`). */
  dir: string;
  /** Folder for the agents' logs. */
  logDir: string;
  /** The user's id, for `gui/UID`. */
  uid: number;
  /** Runs launchctl. */
  runner: Runner;
}

/** Write both agents and, unless `enable` is false, load them into `gui/UID`. */
export async function installAgents(
  spec: ServiceSpec,
  target: AgentTarget,
  enable: boolean,
): Promise<InstallResult> {
  const agents = renderAgents(spec, target.logDir); // refuses bad values before any write
  await Deno.mkdir(target.dir, { recursive: true });
  await Deno.mkdir(target.logDir, { recursive: true });
  const files: string[] = [];
  for (const a of agents) {
    const path = `${target.dir}/${a.name}`;
    await writeFileAtomic(path, new TextEncoder().encode(a.content));
    await Deno.chmod(path, 0o644);
    files.push(path);
  }
  if (!enable) return { files, enabled: false, note: "not loaded (--no-enable)" };
  for (const [i, label] of AGENT_LABELS.entries()) {
    const [bootout, bootstrap] = launchctlLoad(target.uid, label, files[i]);
    await target.runner.run("launchctl", bootout); // fails when not loaded: fine
    const r = await target.runner.run("launchctl", bootstrap);
    if (r.code !== 0) {
      const why = (r.stderr || r.stdout).trim().split("\n")[0] || `exit ${r.code}`;
      return { files, enabled: false, note: `launchctl bootstrap ${label} failed: ${why}` };
    }
  }
  return { files, enabled: true };
}

/** Unload both agents and remove their plists; returns the files removed. */
export async function uninstallAgents(target: AgentTarget): Promise<string[]> {
  const removed: string[] = [];
  for (const label of AGENT_LABELS) {
    await target.runner.run("launchctl", launchctlUnload(target.uid, label));
    const path = `${target.dir}/${label}.plist`;
    try {
      await Deno.remove(path);
      removed.push(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  return removed;
}

/** Whether the plists are there and what launchd says about each agent. */
export async function agentStatus(target: AgentTarget): Promise<UnitStatus> {
  let installed = true;
  for (const label of AGENT_LABELS) {
    try {
      await Deno.stat(`${target.dir}/${label}.plist`);
    } catch {
      installed = false;
    }
  }
  const state = async (label: string) => {
    const r = await target.runner.run("launchctl", launchctlPrint(target.uid, label));
    if (r.code !== 0) return "not loaded";
    const { state, lastExit } = parseLaunchctlPrint(r.stdout);
    return `${state ?? "loaded"}${lastExit === undefined ? "" : ` (last exit ${lastExit})`}`;
  };
  return { installed, timer: await state(SYNC_LABEL), socket: await state(SERVE_LABEL) };
}
