/**
 * @module units
 * The systemd units and cron lines that run mycel for real (pure rendering).
 * A oneshot service runs `mycel sync now`; a timer starts it 30 s after boot
 * and 30 s after each run (`AccuracySec=1s`: the default accuracy is a
 * minute); a oneshot unit never overlaps itself. A socket with `Accept=yes`
 * hands each incoming connection to a `mycel-sync@.service` instance running
 * `mycel sync serve --stdio`, at most STDIO_MAX_CONNECTIONS (16) at once
 * (the processes evict idle ones before that: src/sync/stdio_admission.ts)
 * and, as `sync serve --listen` allows, MAX_PER_SOURCE from one address (so
 * idle sockets from one address cannot hold every slot). A datagram socket on UDP 7850 (`Accept=no`)
 * starts `mycel discovery respond --stdio` on the first LAN discovery probe
 * of a member looking for this device; it answers and exits after 10 quiet
 * seconds (docs/discovery.md). Without systemd, two cron lines a minute (the
 * second after `sleep 30`) give the same cadence, both under `flock -n`
 * where the system has it (Linux; macOS has no flock, and `sync now` skips
 * itself anyway while another round of the same home runs: its round guard,
 * src/storage/round_lock.ts). Paths and arguments with control characters
 * are refused (`control_char`).
 *
 * A round where some peer was unreachable exits 3 (a laptop asleep, a phone
 * away): the service counts it as success (`SuccessExitStatus=3`), so the
 * unit never turns "failed" every 30 s; cron ignores exit codes and the
 * lines discard output, so nothing is mailed either.
 */

import { cronMarker } from "./cron_marker.ts";
import { cronSchedule } from "./cron_schedule.ts";
import { refuseControl } from "../mesh/child_env.ts";
import { DISCOVERY_PORT } from "../protocol/discovery.ts";
import { MAX_PER_SOURCE, STDIO_MAX_CONNECTIONS } from "../protocol/connection_limits.ts";
import { credentialUnitLine, unitValue } from "./unit_values.ts";

/** A unit file to write. */
export interface UnitFile {
  /** File name, e.g. `mycel-sync.timer`. */
  name: string;
  /** Contents. */
  content: string;
}

/** What the units run and how often. */
export interface ServiceSpec {
  /** argv that runs mycel (binary, or deno + main.ts). */
  exec: string[];
  /** The home folder, passed with --home. */
  home: string;
  /** Seconds between rounds. */
  intervalSeconds: number;
  /** TCP port of the sync socket. */
  port: number;
  /** Session deadline for `sync serve --stdio` (seconds). */
  sessionSeconds?: number;
  /**
   * Also keep the WireGuard mesh up: each round first runs `mycel mesh up`
   * (idempotent; applies new and revoked devices). System units only.
   */
  mesh?: boolean;
  /** Encrypted credential holding the device keys (`LoadCredentialEncrypted=`). */
  credential?: string;
  /** Environment for mycel (e.g. MYCEL_PASSPHRASE_FILE); paths only, never secrets. */
  environment?: Record<string, string>;
  /**
   * System units for a home that belongs to a user: the uid the services run
   * as (`User=`). Only `mesh up` runs as root (`+`). A round run as root
   * wrote the user's synced folders as root, and the folder's owner could
   * swap a parent folder or a file for a link while it ran (the checks and
   * the writes are separate system calls): root then created, changed or
   * served files anywhere on the machine. As the user, the same swap only
   * reaches what that user may touch already.
   */
  user?: number;
}

/**
 * Refuse a spec whose command, home or lock file holds a control character:
 * a newline would end an ExecStart or crontab line and start another.
 */
export function checkSpecText(values: readonly string[]): void {
  for (const v of values) refuseControl("write service units", "a path or argument", v);
}

/** Names of the units, in install order. */
export const UNIT_NAMES = [
  "mycel-sync.service",
  "mycel-sync.timer",
  "mycel-sync.socket",
  "mycel-sync@.service",
  "mycel-discovery.socket",
  "mycel-discovery.service",
];

/** The units `service install` enables (the services are started by them). */
export const ENABLED_UNITS = ["mycel-sync.timer", "mycel-sync.socket", "mycel-discovery.socket"];

/** Quote one argument for an ExecStart line (`%` doubled: systemd expands specifiers). */
export function quoteExec(arg: string): string {
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(arg)) return arg;
  const escaped = arg.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "$$$$").replace(
    /%/g,
    "%%",
  );
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? escaped : `"${escaped}"`;
}

/** Quote one argument for /bin/sh (cron). */
export function quoteShell(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The [Service] lines that hand mycel its keys (see src/service/unit_keys.ts):
 * the encrypted credential and/or environment, one per line.
 */
export function keyLines(spec: ServiceSpec): string {
  const lines: string[] = [];
  if (spec.credential) lines.push(credentialUnitLine(spec.credential));
  for (const [k, v] of Object.entries(spec.environment ?? {})) {
    lines.push(`Environment=${k}=${unitValue(v)}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}

function exec(spec: ServiceSpec, ...args: string[]): string {
  return [...spec.exec, "--home", spec.home, ...args].map(quoteExec).join(" ");
}

/** `User=` of a service that runs as the home's owner (empty for root's or a user's own units). */
function userLine(spec: ServiceSpec): string {
  return spec.user === undefined ? "" : `User=${spec.user}\n`;
}

/**
 * The mesh lines of the round's service. Run as the home's owner, the round
 * cannot change the interface, so root's `mesh up` (`+`: full privileges
 * whatever `User=` says) also runs after it, applying what the round took in
 * (removals, new devices) as a round run as root does itself; the round is
 * told so (`MYCEL_MESH_APPLY=unit`) and says nothing about it.
 */
function meshLines(spec: ServiceSpec): string {
  if (!spec.mesh) return "";
  const up = exec(spec, "--no-sync", "mesh", "up", "--no-wait");
  const root = spec.user === undefined ? "" : "+";
  return `# "-": a failed mesh up must not stop the sync round (it falls back to direct).
# --no-wait: a mesh up or down someone runs meanwhile is not waited for.
ExecStartPre=-${root}${up}
${
    spec.user === undefined ? "" : `ExecStopPost=-+${up}
Environment=MYCEL_MESH_APPLY=unit
`
  }# wireguard-go started by mesh up must outlive this oneshot run.
KillMode=process
`;
}

/** The unit files, in {@link UNIT_NAMES} order. */
export function renderUnits(spec: ServiceSpec): UnitFile[] {
  checkSpecText([...spec.exec, spec.home]);
  const session = spec.sessionSeconds ?? 30;
  return [
    {
      name: "mycel-sync.service",
      content: `[Unit]
Description=mycel: one sync round with every peer
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
${userLine(spec)}${meshLines(spec)}${keyLines(spec)}ExecStart=${
        exec(spec, "sync", "now", "--timeout", "20")
      }
# 3 means "no peer reachable right now": normal for a laptop on the move.
SuccessExitStatus=3
# Reads and sessions have deadlines of their own; what can run long is a scan
# hashing much new content (GBs), recorded only once it ends: killed at 120 s
# it started over each time and never got published. An hour, for a hang.
TimeoutStartSec=3600
`,
    },
    {
      name: "mycel-sync.timer",
      content: `[Unit]
Description=mycel: sync every ${spec.intervalSeconds}s

[Timer]
OnBootSec=${spec.intervalSeconds}s
OnUnitActiveSec=${spec.intervalSeconds}s
AccuracySec=1s

[Install]
WantedBy=timers.target
`,
    },
    {
      name: "mycel-sync.socket",
      content: `[Unit]
Description=mycel: incoming sync connections

[Socket]
ListenStream=${spec.port}
Accept=yes
MaxConnections=${STDIO_MAX_CONNECTIONS}
MaxConnectionsPerSource=${MAX_PER_SOURCE}

[Install]
WantedBy=sockets.target
`,
    },
    {
      name: "mycel-sync@.service",
      content: `[Unit]
Description=mycel: sync session with %I

[Service]
${userLine(spec)}${keyLines(spec)}ExecStart=${
        exec(spec, "sync", "serve", "--stdio", "--timeout", String(session))
      }
StandardInput=socket
StandardOutput=socket
StandardError=journal
RuntimeMaxSec=${session + 30}
`,
    },
    {
      name: "mycel-discovery.socket",
      content: `[Unit]
Description=mycel: LAN discovery probes of the mesh's members

[Socket]
ListenDatagram=${DISCOVERY_PORT}
BindIPv6Only=both

[Install]
WantedBy=sockets.target
`,
    },
    {
      name: "mycel-discovery.service",
      content: `[Unit]
Description=mycel: answer LAN discovery probes

[Service]
${userLine(spec)}${keyLines(spec)}ExecStart=${
        exec(spec, "discovery", "respond", "--stdio", "--sync-port", String(spec.port))
      }
StandardInput=socket
StandardOutput=journal
RuntimeMaxSec=120
`,
    },
  ];
}

/**
 * The crontab lines: two sync rounds a minute (the second after sleep 30),
 * under `flock -n LOCKFILE` when `lockFile` is given (Linux), and — unless
 * `listen` is undefined — a third that keeps `sync serve --listen` running
 * for incoming sync and LAN discovery: started every minute under `flock -n
 * SERVELOCK`, so it runs once and comes back within a minute after a crash
 * or reboot (without flock, a second copy exits at once: the port is taken).
 */
export function renderCron(
  spec: ServiceSpec,
  lockFile?: string,
  listen?: { address: string; lockFile?: string },
): string {
  checkSpecText([
    ...spec.exec,
    spec.home,
    ...(lockFile === undefined ? [] : [lockFile]),
    ...(listen === undefined ? [] : [listen.address, listen.lockFile ?? ""]),
  ]);
  // Variables as `NAME=value` before the command: the shell cron runs passes
  // them to mycel only (flock hands its environment on).
  const env = Object.entries(spec.environment ?? {}).map(([k, v]) => `${k}=${quoteShell(v)} `)
    .join("");
  const guard = (file?: string) => file === undefined ? "" : `flock -n ${quoteShell(file)} `;
  const mycel = (...args: string[]) =>
    [...spec.exec, "--home", spec.home, ...args].map(quoteShell).join(" ");
  // cron ends a command at an unescaped `%` (the rest becomes stdin).
  const line = `${env}${guard(lockFile)}${mycel("sync", "now", "--timeout", "20")} >/dev/null 2>&1`
    .replace(/%/g, "\\%");
  // A round every spec.intervalSeconds (cron_schedule.ts): 30 s is two
  // lines a minute, the second after `sleep 30`.
  // The marker says the interval and finds the block again (cron_marker.ts).
  let text = `${cronMarker(spec.intervalSeconds)}\n`;
  for (const slot of cronSchedule(spec.intervalSeconds)) {
    text += `${slot.fields} ${
      slot.sleepSeconds > 0 ? `sleep ${slot.sleepSeconds}; ` : ""
    }${line}\n`;
  }
  if (listen !== undefined) {
    const serve = `${env}${guard(listen.lockFile)}${
      mycel("sync", "serve", "--listen", listen.address)
    } >/dev/null 2>&1`.replace(/%/g, "\\%");
    text += `* * * * * ${serve}\n`;
  }
  return text;
}
