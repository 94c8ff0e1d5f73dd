/**
 * @module service
 * `mycel service install|uninstall|status`: the 30-second cadence and
 * incoming sync, with what the platform has: systemd (a timer and a socket)
 * on Linux, launchd agents on macOS, cron lines anywhere (`--cron`). The
 * platform is passed in (`serviceCommandsFor`), so every path can be
 * exercised on any machine.
 */

import { ExitCode } from "../../errors.ts";
import { serviceBackend } from "../../service/backend.ts";
import type { UnitStatus } from "../../service/install.ts";
import {
  type CommandContext,
  type CommandSpec,
  JSON_FLAG,
  LOCAL,
  type ParsedInput,
  WRITES,
} from "../command.ts";
import { localTime, plural } from "../../human.ts";
import { isoTime } from "../json_types.ts";
import { agentTarget, runnerOf, scopeOf, type ServicePlatform } from "../service_platform.ts";
import { homeRoot, withRead } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";

/** --user, --system, --dir; `dir` says what the command does with DIR (only install writes). */
const scopeFlags = (dir: string) => [
  { name: "user", help: "per-user units (default when not root; always on macOS)" },
  { name: "system", help: "system units in /etc/systemd/system (default as root)" },
  { name: "dir", value: "DIR", help: dir, complete: "dir" as const },
];

async function uninstall(ctx: CommandContext, input: ParsedInput, p: ServicePlatform) {
  const backend = serviceBackend(p.os, input.flags.cron === true);
  if (backend === "cron") {
    const { uninstallCron } = await lazyImport<typeof import("../../service/install.ts")>(
      new URL("../../service/install.ts", import.meta.url),
    );
    const cron = await uninstallCron(await runnerOf(p, ctx.signal));
    if (input.flags.json) ctx.out.json({ cron_lines_removed: cron });
    else ctx.out.line(cron > 0 ? "removed mycel's crontab lines" : "nothing was installed");
    return ExitCode.ok;
  }
  const scope = scopeOf(input, p);
  let removed: string[];
  if (backend === "launchd") {
    const { uninstallAgents } = await lazyImport<typeof import("../../service/launchd_install.ts")>(
      new URL("../../service/launchd_install.ts", import.meta.url),
    );
    removed = await uninstallAgents(await agentTarget(ctx, input, p));
  } else {
    const { uninstallUnits, unitDir } = await lazyImport<typeof import("../../service/install.ts")>(
      new URL("../../service/install.ts", import.meta.url),
    );
    const dir = (input.flags.dir as string | undefined) ?? unitDir(scope, ctx.env);
    removed = await uninstallUnits(scope, dir, await runnerOf(p, ctx.signal));
  }
  // The keys' systemd credential was only for these units.
  const { credentialPath } = await lazyImport<typeof import("../../storage/key_creds.ts")>(
    new URL("../../storage/key_creds.ts", import.meta.url),
  );
  const { homePaths } = await lazyImport<typeof import("../../storage/home.ts")>(
    new URL("../../storage/home.ts", import.meta.url),
  );
  const cred = credentialPath(homePaths(homeRoot(ctx)));
  if (await Deno.remove(cred).then(() => true, () => false)) removed.push(cred);
  if (input.flags.json) ctx.out.json({ scope, removed });
  else {
    for (const f of removed) ctx.out.line(`removed ${f}`);
    if (removed.length === 0) ctx.out.line("nothing was installed");
  }
  return ExitCode.ok;
}

async function status(ctx: CommandContext, input: ParsedInput, p: ServicePlatform) {
  const scope = scopeOf(input, p);
  let units: UnitStatus;
  if (serviceBackend(p.os, false) === "launchd") {
    const { agentStatus } = await lazyImport<typeof import("../../service/launchd_install.ts")>(
      new URL("../../service/launchd_install.ts", import.meta.url),
    );
    units = await agentStatus(await agentTarget(ctx, input, p));
  } else {
    const { unitStatus, unitDir } = await lazyImport<typeof import("../../service/install.ts")>(
      new URL("../../service/install.ts", import.meta.url),
    );
    const dir = (input.flags.dir as string | undefined) ?? unitDir(scope, ctx.env);
    units = await unitStatus(scope, dir, await runnerOf(p, ctx.signal));
  }
  // `service install --cron --apply` writes no units: say whether its lines are in.
  const { cronInstalled } = await lazyImport<typeof import("../../service/install.ts")>(
    new URL("../../service/install.ts", import.meta.url),
  );
  const cron = await cronInstalled(await runnerOf(p, ctx.signal));
  const last = await withRead(ctx, (home) => home.local.get("lastRound"));
  const doc = {
    scope,
    installed: units.installed,
    cron,
    timer: units.timer,
    socket: units.socket,
    last_round: last ? { at: isoTime(last.at), peers: last.peers, synced: last.synced } : null,
    next_round: isoTime(units.nextRound),
  };
  if (input.flags.json) ctx.out.json(doc);
  else {
    const now = ctx.now();
    ctx.out.line(`units   ${doc.installed ? "installed" : "not installed"} (${scope})`);
    if (cron) ctx.out.line("cron    installed (mycel's crontab lines)");
    ctx.out.line(`timer   ${doc.timer}`);
    ctx.out.line(`socket  ${doc.socket}`);
    const round = last &&
      `${localTime(last.at, now)}: ${last.synced} of ${plural(last.peers, "peer")} synced`;
    ctx.out.line(`last    ${round || "no round yet"}`);
    const next = units.nextRound === undefined ? "unknown" : localTime(units.nextRound, now);
    ctx.out.line(`next    ${next}`);
  }
  return ExitCode.ok;
}

/** The service commands for `platform`. */
export function serviceCommandsFor(platform: ServicePlatform): CommandSpec[] {
  return [
    {
      path: ["service", "install"],
      summary:
        "run sync every 30 s and accept incoming sync (systemd or launchd), or print cron lines",
      description:
        "Linux: writes mycel-sync.service/.timer (OnBootSec, OnUnitActiveSec, AccuracySec=1s),\n" +
        "mycel-sync.socket (Accept=yes) and mycel-sync@.service (sync serve --stdio), then\n" +
        "enables them unless --no-enable or systemd is absent. macOS: writes the launchd\n" +
        "agents local.mycel.sync (StartInterval) and local.mycel.serve (inetd-style socket)\n" +
        "into ~/Library/LaunchAgents and loads them. --cron prints crontab lines: two sync\n" +
        "rounds a minute (the second after sleep 30; under flock -n where the system has\n" +
        "it) and one that keeps sync serve running; --cron --apply installs them. The\n" +
        "systemd units include mycel-discovery.socket (LAN discovery on UDP 7850).\n" +
        "A round with a peer asleep (exit 3) counts as success.\n" +
        "Keys sealed by a passphrase or kept in a keyring reach systemd units as a systemd\n" +
        "credential (systemd-creds, LoadCredentialEncrypted=); or give --passphrase-file FILE.",
      args: [],
      flags: [
        ...scopeFlags("write the units (plists on macOS) into DIR instead"),
        { name: "interval", value: "DURATION", help: "time between rounds (default 30s)" },
        {
          name: "port",
          value: "N",
          help: "TCP port for incoming sync (default: this device's endpoint port, else 7850)",
        },
        { name: "no-enable", help: "write the units but do not enable (load) them" },
        { name: "mesh", help: "also run `mycel mesh up` before each round (Linux system units)" },
        { name: "cron", help: "print crontab lines instead of systemd units or launchd agents" },
        { name: "apply", help: "with --cron: install the lines into your crontab" },
        {
          name: "passphrase-file",
          value: "FILE",
          help: "keys sealed in a file: the timer reads the passphrase from FILE (mode 0600)",
          complete: "file" as const,
        },
        JSON_FLAG,
      ],
      ...WRITES,
      // Loaded when used: installing brings unit rendering and address discovery.
      run: async (ctx, input) =>
        (await lazyImport<typeof import("../service_install.ts")>(
          new URL("../service_install.ts", import.meta.url),
        )).serviceInstall(ctx, input, platform),
    },
    {
      path: ["service", "uninstall"],
      summary: "stop and remove the units or agents (with --cron: mycel's crontab lines)",
      args: [],
      flags: [...scopeFlags("remove the units (plists on macOS) from DIR instead"), {
        name: "cron",
        help: "remove mycel's crontab lines instead of the units",
      }, JSON_FLAG],
      globals: [],
      exits: [0, 1, 2],
      run: (ctx, input) => uninstall(ctx, input, platform),
    },
    {
      path: ["service", "status"],
      summary: "show whether the timer and socket are active (or the cron lines in), and the " +
        "last and next round",
      args: [],
      flags: [...scopeFlags("look for the units (plists on macOS) in DIR instead"), JSON_FLAG],
      ...LOCAL,
      run: (ctx, input) => status(ctx, input, platform),
    },
  ];
}

/** The service commands for this machine. */
export const serviceCommands: CommandSpec[] = serviceCommandsFor({ os: Deno.build.os });
