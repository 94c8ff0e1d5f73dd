/**
 * @module launchd
 * The macOS counterpart of the systemd units (pure rendering): two per-user
 * launchd agents in `~/Library/LaunchAgents`.
 *
 * - `local.mycel.sync` runs `mycel sync now` at load and every interval
 *   (`StartInterval`). launchd never starts a second instance of a job that
 *   is still running, and it has no notion of a failed interval job: exit 3
 *   (some peer asleep) is only recorded as the last exit code, and without
 *   `KeepAlive` no exit ever makes launchd respawn or throttle it.
 * - `local.mycel.serve` listens on the sync port (`Sockets`, both IPv4 and
 *   IPv6) with `inetdCompatibility` `Wait` false: launchd accepts each
 *   connection and starts one `mycel sync serve --stdio` with the socket as
 *   stdin and stdout. Standard error must not be the socket too (it would
 *   corrupt the session), so it goes to a log file, as does the sync agent's;
 *   `sync now`'s per-peer lines (stdout) are dropped: `service status` shows
 *   the last round.
 *
 * - `local.mycel.discovery` holds UDP 7850 (`SockType` dgram) with
 *   `inetdCompatibility` `Wait` true: on the first LAN discovery probe
 *   launchd starts `mycel discovery respond --stdio` with the socket as
 *   stdin; it answers and exits after 10 quiet seconds (docs/discovery.md).
 *
 * `launchctl bootstrap gui/UID PLIST` loads an agent; `bootout` first makes a
 * re-install replace the loaded one.
 */

import { DISCOVERY_PORT } from "../protocol/discovery.ts";
import { type PlistDict, renderPlist } from "./plist.ts";
import type { ServiceSpec, UnitFile } from "./units.ts";

/** Label of the interval agent. */
export const SYNC_LABEL = "local.mycel.sync";

/** Label of the socket agent. */
export const SERVE_LABEL = "local.mycel.serve";

/** Label of the discovery agent. */
export const DISCOVERY_LABEL = "local.mycel.discovery";

/** Labels in install order. */
export const AGENT_LABELS = [SYNC_LABEL, SERVE_LABEL, DISCOVERY_LABEL];

/** `~/Library/LaunchAgents` of the user whose home folder is `home`. */
export function launchAgentDir(home: string): string {
  return `${home}/Library/LaunchAgents`;
}

/** `~/Library/Logs/mycel`: where the agents' standard error goes. */
export function launchLogDir(home: string): string {
  return `${home}/Library/Logs/mycel`;
}

function argv(spec: ServiceSpec, ...args: string[]): string[] {
  return [...spec.exec, "--home", spec.home, ...args];
}

/** The agent plists (`<label>.plist`, in {@link AGENT_LABELS} order), logs in `logDir`. */
export function renderAgents(spec: ServiceSpec, logDir: string): UnitFile[] {
  const session = spec.sessionSeconds ?? 30;
  // Paths only (MYCEL_PASSPHRASE_FILE), never a secret: see service/unit_keys.ts.
  const env: PlistDict = {};
  if (Object.keys(spec.environment ?? {}).length > 0) {
    env.EnvironmentVariables = { ...spec.environment };
  }
  return [
    {
      name: `${SYNC_LABEL}.plist`,
      content: renderPlist({
        Label: SYNC_LABEL,
        ProgramArguments: argv(spec, "sync", "now", "--timeout", "20"),
        StartInterval: spec.intervalSeconds,
        ...env,
        RunAtLoad: true,
        ProcessType: "Background",
        StandardOutPath: "/dev/null",
        StandardErrorPath: `${logDir}/sync.log`,
      }),
    },
    {
      name: `${SERVE_LABEL}.plist`,
      content: renderPlist({
        Label: SERVE_LABEL,
        ProgramArguments: argv(spec, "sync", "serve", "--stdio", "--timeout", String(session)),
        Sockets: {
          Listeners: { SockServiceName: String(spec.port), SockType: "stream" },
        },
        inetdCompatibility: { Wait: false },
        ...env,
        ProcessType: "Background",
        StandardErrorPath: `${logDir}/serve.log`,
      }),
    },
    {
      name: `${DISCOVERY_LABEL}.plist`,
      content: renderPlist({
        Label: DISCOVERY_LABEL,
        ProgramArguments: argv(
          spec,
          "discovery",
          "respond",
          "--stdio",
          "--sync-port",
          String(spec.port),
        ),
        Sockets: {
          Listeners: { SockServiceName: String(DISCOVERY_PORT), SockType: "dgram" },
        },
        inetdCompatibility: { Wait: true },
        ...env,
        ProcessType: "Background",
        StandardErrorPath: `${logDir}/discovery.log`,
      }),
    },
  ];
}

/** `launchctl` argv that (re)load the agent `label` from `plist` for user `uid`. */
export function launchctlLoad(uid: number, label: string, plist: string): string[][] {
  return [["bootout", `gui/${uid}/${label}`], ["bootstrap", `gui/${uid}`, plist]];
}

/** `launchctl` argv that unload the agent `label`. */
export function launchctlUnload(uid: number, label: string): string[] {
  return ["bootout", `gui/${uid}/${label}`];
}

/** `launchctl` argv that describe the agent `label`. */
export function launchctlPrint(uid: number, label: string): string[] {
  return ["print", `gui/${uid}/${label}`];
}

/** State and last exit code from `launchctl print` output. */
export function parseLaunchctlPrint(text: string): { state?: string; lastExit?: number } {
  const state = /^\s*state = (.+)$/m.exec(text)?.[1]?.trim();
  const exit = /^\s*last exit code = (-?\d+)/m.exec(text)?.[1];
  return { state, lastExit: exit === undefined ? undefined : Number(exit) };
}
