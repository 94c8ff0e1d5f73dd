/**
 * @module service
 * `mycel service install|uninstall|status`: the 30-second cadence (systemd
 * timer, or cron) and socket-activated incoming sync.
 */

import { ExitCode, usageError } from "../../errors.ts";
import { parseEndpoint } from "../../log/endpoint.ts";
import type { ServiceScope } from "../../service/install.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, type ParsedInput } from "../command.ts";
import { isoTime } from "../json_types.ts";
import { commitOps, homeRoot, openRead, withWrite } from "../session.ts";
import { parseDuration, primaryIpv4 } from "./pairing.ts";

/** Default TCP port of the sync socket. */
export const DEFAULT_SYNC_PORT = 7850;

function scopeOf(input: ParsedInput): ServiceScope {
  if (input.flags.user && input.flags.system) {
    throw usageError("run mycel service", "give --user or --system, not both");
  }
  if (input.flags.system) return "system";
  if (input.flags.user) return "user";
  return Deno.uid() === 0 ? "system" : "user";
}

async function unitFolder(
  ctx: CommandContext,
  input: ParsedInput,
  scope: ServiceScope,
): Promise<string> {
  const { unitDir } = await import("../../service/install.ts");
  return (input.flags.dir as string | undefined) ?? unitDir(scope, ctx.env);
}

const SCOPE_FLAGS = [
  { name: "user", help: "per-user units (default when not root)" },
  { name: "system", help: "system units in /etc/systemd/system (default as root)" },
  { name: "dir", value: "DIR", help: "write the units into DIR instead", complete: "dir" as const },
];

async function install(outer: CommandContext, input: ParsedInput): Promise<number> {
  // The passphrase file the timer will use opens the keys for this command too.
  const passphraseFile = input.flags["passphrase-file"] as string | undefined;
  const ctx: CommandContext = passphraseFile === undefined ? outer : {
    ...outer,
    env: (n) => (n === "MYCEL_PASSPHRASE_FILE" ? passphraseFile : outer.env(n)),
  };
  const { installUnits, installCron } = await import("../../service/install.ts");
  const { renderCron } = await import("../../service/units.ts");
  const { systemRunner } = await import("../../mesh/system.ts");
  const { selfCommand } = await import("../self_command.ts");
  const intervalMs = parseDuration(
    (input.flags.interval as string | undefined) ?? "30s",
    "--interval",
  );
  const store = await openRead(ctx);
  const self = store.state.device(store.deviceId);
  const advertised = self?.endpoints[0] ? parseEndpoint(self.endpoints[0]).port : undefined;
  const portText = input.flags.port as string | undefined;
  const port = portText === undefined ? advertised ?? DEFAULT_SYNC_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw usageError("use --port", "it must be 1–65535", { value: portText });
  }
  const scope = scopeOf(input); // usage errors come before any write
  if (input.flags.mesh && scope !== "system") {
    throw usageError(
      "run mycel service install",
      "--mesh needs system units (root): mesh up configures interfaces",
    );
  }
  // How the timer will read the keys (a systemd credential, a passphrase file...).
  const { planUnitKeys } = await import("../../service/unit_keys.ts");
  const unitKeys = await planUnitKeys(store.paths, {
    kind: input.flags.cron ? "cron" : scope,
    passphraseFile,
    env: ctx.env,
    device: store.deviceId,
  });
  const spec = {
    mesh: input.flags.mesh === true,
    exec: selfCommand(),
    home: homeRoot(ctx),
    intervalSeconds: Math.max(1, Math.round(intervalMs / 1000)),
    port,
    credential: unitKeys.credential,
    environment: unitKeys.env,
  };
  const keysDoc = unitKeys.credential || Object.keys(unitKeys.env).length > 0
    ? { keys: { credential: unitKeys.credential ?? null, environment: unitKeys.env } }
    : {};
  if (self && self.endpoints.length === 0) {
    // Peers can only connect if they know where: advertise this machine's address.
    const endpoint = `${primaryIpv4()}:${port}`;
    await withWrite(
      ctx,
      (s) =>
        commitOps(s, [{
          type: "device.update",
          id: s.deviceId,
          fields: { endpoints: [endpoint] },
        }]),
    );
    ctx.out.error(
      `Advertising ${endpoint} as this device's sync endpoint (change it with \`mycel mesh set-endpoint\`).`,
    );
  }
  ctx.out.error(unitKeys.note);
  if (input.flags.cron) {
    const lock = `${spec.home}/cron.lock`;
    if (input.flags.apply) {
      ctx.out.write(await installCron(spec, lock, systemRunner));
      ctx.out.error(
        "Installed into your crontab. Incoming connections need `mycel sync serve --listen` running.",
      );
    } else {
      ctx.out.write(renderCron(spec, lock));
      ctx.out.error("Add these lines with `crontab -e`, or run again with --apply.");
    }
    return ExitCode.ok;
  }
  const result = await installUnits(
    spec,
    scope,
    await unitFolder(ctx, input, scope),
    systemRunner,
    !input.flags["no-enable"],
  );
  if (input.flags.json) ctx.out.json({ scope, ...result, ...keysDoc });
  else {
    for (const f of result.files) ctx.out.line(`wrote ${f}`);
    if (result.enabled) {
      ctx.out.line(
        `enabled mycel-sync.timer (every ${spec.intervalSeconds}s) and mycel-sync.socket (port ${port})`,
      );
    } else {
      const how = scope === "user" ? "systemctl --user" : "systemctl";
      ctx.out.line(
        `${result.note}; enable later with: ${how} enable --now mycel-sync.timer mycel-sync.socket`,
      );
    }
  }
  return ExitCode.ok;
}

/** The service commands. */
export const serviceCommands: CommandSpec[] = [
  {
    path: ["service", "install"],
    summary:
      "run sync every 30 s (systemd timer) and accept incoming sync (socket), or print cron lines",
    description:
      "Writes mycel-sync.service/.timer (OnBootSec, OnUnitActiveSec, AccuracySec=1s),\n" +
      "mycel-sync.socket (Accept=yes) and mycel-sync@.service (sync serve --stdio), then\n" +
      "enables them unless --no-enable or systemd is absent. --cron prints two crontab lines\n" +
      "a minute (the second after sleep 30) under flock -n; --cron --apply installs them.\n" +
      "Keys sealed by a passphrase or kept in a keyring reach the units as a systemd\n" +
      "credential (systemd-creds, LoadCredentialEncrypted=); or give --passphrase-file FILE.",
    args: [],
    flags: [
      ...SCOPE_FLAGS,
      { name: "interval", value: "DURATION", help: "time between rounds (default 30s)" },
      {
        name: "port",
        value: "N",
        help: "TCP port for incoming sync (default: this device's endpoint port, else 7850)",
      },
      { name: "no-enable", help: "write the units but do not enable them" },
      { name: "mesh", help: "also run `mycel mesh up` before each round (system units)" },
      { name: "cron", help: "print crontab lines instead of systemd units" },
      { name: "apply", help: "with --cron: install the lines into your crontab" },
      {
        name: "passphrase-file",
        value: "FILE",
        help: "keys sealed in a file: the timer reads the passphrase from FILE (mode 0600)",
        complete: "file" as const,
      },
      JSON_FLAG,
    ],
    run: install,
  },
  {
    path: ["service", "uninstall"],
    summary: "stop and remove the units (with --cron: mycel's crontab lines)",
    args: [],
    flags: [...SCOPE_FLAGS, {
      name: "cron",
      help: "remove mycel's crontab lines instead of the units",
    }],
    async run(ctx, input) {
      const { uninstallUnits, uninstallCron } = await import("../../service/install.ts");
      const { systemRunner } = await import("../../mesh/system.ts");
      if (input.flags.cron) {
        const cron = await uninstallCron(systemRunner);
        ctx.out.line(cron > 0 ? "removed mycel's crontab lines" : "nothing was installed");
        return ExitCode.ok;
      }
      const scope = scopeOf(input);
      const removed = await uninstallUnits(
        scope,
        await unitFolder(ctx, input, scope),
        systemRunner,
      );
      // The keys' systemd credential was only for these units.
      const { credentialPath } = await import("../../storage/key_creds.ts");
      const { homePaths } = await import("../../storage/home.ts");
      const cred = credentialPath(homePaths(homeRoot(ctx)));
      if (await Deno.remove(cred).then(() => true, () => false)) removed.push(cred);
      for (const f of removed) ctx.out.line(`removed ${f}`);
      if (removed.length === 0) ctx.out.line("nothing was installed");
      return ExitCode.ok;
    },
  },
  {
    path: ["service", "status"],
    summary: "show whether the timer and socket are active, and the last and next round",
    args: [],
    flags: [...SCOPE_FLAGS, JSON_FLAG],
    async run(ctx, input) {
      const { unitStatus } = await import("../../service/install.ts");
      const { systemRunner } = await import("../../mesh/system.ts");
      const scope = scopeOf(input);
      const units = await unitStatus(scope, await unitFolder(ctx, input, scope), systemRunner);
      const last = (await openRead(ctx)).local.lastRound;
      const doc = {
        scope,
        installed: units.installed,
        timer: units.timer,
        socket: units.socket,
        last_round: last ? { at: isoTime(last.at), peers: last.peers, synced: last.synced } : null,
        next_round: isoTime(units.nextRound),
      };
      if (input.flags.json) ctx.out.json(doc);
      else {
        ctx.out.line(`units   ${doc.installed ? "installed" : "not installed"} (${scope})`);
        ctx.out.line(`timer   ${doc.timer}`);
        ctx.out.line(`socket  ${doc.socket}`);
        ctx.out.line(
          `last    ${
            last
              ? `${doc.last_round!.at}: ${last.synced} of ${last.peers} peers synced`
              : "no round yet"
          }`,
        );
        ctx.out.line(`next    ${doc.next_round ?? "unknown"}`);
      }
      return ExitCode.ok;
    },
  },
];
