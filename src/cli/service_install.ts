/**
 * @module service_install
 * `mycel service install`: check every flag first (nothing is written on a
 * usage error), advertise an endpoint when the device has none, then write
 * systemd units, launchd agents or cron lines for the platform.
 */

import { ExitCode, usageError } from "../errors.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { serviceBackend } from "../service/backend.ts";
import type { InstallResult } from "../service/install.ts";
import type { ServiceSpec } from "../service/units.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import { parseDuration } from "./duration.ts";
import { primaryIpv4 } from "./pair_invite.ts";
import { agentTarget, runnerOf, scopeOf, type ServicePlatform, uidOf } from "./service_platform.ts";
import { commitOps, homeRoot, withRead, withWrite } from "./session.ts";

/** Default TCP port of the sync socket. */
export const DEFAULT_SYNC_PORT = 7850;

/** The `--passphrase-file` given opens the keys for this command too. */
function withPassphraseFile(ctx: CommandContext, input: ParsedInput): CommandContext {
  const file = input.flags["passphrase-file"] as string | undefined;
  if (file === undefined) return ctx;
  return { ...ctx, env: (n) => (n === "MYCEL_PASSPHRASE_FILE" ? file : ctx.env(n)) };
}

async function specOf(ctx: CommandContext, input: ParsedInput, p: ServicePlatform) {
  const intervalMs = parseDuration(
    (input.flags.interval as string | undefined) ?? "30s",
    "--interval",
  );
  const self = await withRead(ctx, (home) => home.view.member(home.device)?.record);
  const advertised = self?.endpoints[0] ? parseEndpoint(self.endpoints[0]).port : undefined;
  const portText = input.flags.port as string | undefined;
  const port = portText === undefined ? advertised ?? DEFAULT_SYNC_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw usageError("use --port", "it must be 1–65535", { value: portText });
  }
  const scope = scopeOf(input, p);
  if (input.flags.mesh && (scope !== "system" || p.os === "darwin" || input.flags.cron)) {
    throw usageError(
      "run mycel service install",
      "--mesh needs system units (root, Linux): mesh up configures interfaces",
    );
  }
  const { selfCommandOf } = await import("./self_command.ts");
  const command = (p.self ?? selfCommandOf)();
  const spec: ServiceSpec = {
    mesh: input.flags.mesh === true,
    exec: command.argv,
    home: homeRoot(ctx),
    intervalSeconds: Math.max(1, Math.round(intervalMs / 1000)),
    port,
  };
  return {
    spec,
    scope,
    command,
    self,
    needsEndpoint: self !== undefined && self.endpoints.length === 0,
  };
}

/** Run `service install` on platform `p`. */
export async function serviceInstall(
  outer: CommandContext,
  input: ParsedInput,
  p: ServicePlatform,
): Promise<number> {
  const ctx = withPassphraseFile(outer, input);
  const { spec, scope, command, self, needsEndpoint } = await specOf(ctx, input, p);
  const backend = serviceBackend(p.os, input.flags.cron === true);
  const agents = backend === "launchd" ? await agentTarget(ctx, input, p) : undefined;
  // How the timer will read the keys (a systemd credential, a passphrase file...).
  const { planUnitKeys } = await import("../service/unit_keys.ts");
  const { homePaths } = await import("../storage/home.ts");
  const unitKeys = await planUnitKeys(homePaths(spec.home), {
    kind: backend === "systemd" ? scope : backend,
    passphraseFile: input.flags["passphrase-file"] as string | undefined,
    env: ctx.env,
    device: self?.id ?? "",
  });
  spec.credential = unitKeys.credential;
  spec.environment = unitKeys.env;
  if (backend === "systemd" && scope === "system") {
    // Root's units may use this user's home (storage/home_guard.ts): say whose it is.
    const owner = (await Deno.lstat(spec.home).catch(() => undefined))?.uid;
    if (owner) spec.environment = { ...spec.environment, MYCEL_HOME_OWNER: String(owner) };
  }
  if (agents) {
    const { renderAgents } = await import("../service/launchd.ts");
    renderAgents(spec, agents.logDir); // a path a plist cannot hold fails before any write
  }
  if (needsEndpoint) {
    // Peers can only connect if they know where: advertise this machine's address.
    const endpoint = `${primaryIpv4()}:${spec.port}`;
    await withWrite(
      ctx,
      (w) =>
        commitOps(w, [{
          type: "device.update",
          device: w.device,
          fields: { endpoints: [endpoint] },
        }]),
    );
    ctx.out.error(
      `Advertising ${endpoint} as this device's sync endpoint (change it with \`mycel mesh set-endpoint\`).`,
    );
  }
  if (command.source === "installed") {
    ctx.out.error(`Scheduled: ${command.argv[0]} (on your PATH).`);
  }
  ctx.out.error(unitKeys.note);
  if (backend === "cron") {
    const { installCron } = await import("../service/install.ts");
    const { renderCron } = await import("../service/units.ts");
    // flock(1) is util-linux: Linux only (the round guard covers the rest).
    const cronLock = p.os === "linux" ? `${spec.home}/cron.lock` : undefined;
    if (input.flags.apply) {
      ctx.out.write(await installCron(spec, await runnerOf(p), cronLock));
      ctx.out.error(
        "Installed into your crontab. Incoming connections need `mycel sync serve --listen` running.",
      );
    } else {
      ctx.out.write(renderCron(spec, cronLock));
      ctx.out.error("Add these lines with `crontab -e`, or run again with --apply.");
    }
    return ExitCode.ok;
  }
  const enable = !input.flags["no-enable"];
  let result: InstallResult;
  if (agents) {
    const { installAgents } = await import("../service/launchd_install.ts");
    result = await installAgents(spec, agents, enable);
  } else {
    const { installUnits, unitDir } = await import("../service/install.ts");
    const dir = (input.flags.dir as string | undefined) ?? unitDir(scope, ctx.env);
    result = await installUnits(spec, scope, dir, await runnerOf(p), enable);
  }
  if (input.flags.json) {
    const keys = unitKeys.credential || Object.keys(unitKeys.env).length > 0
      ? { keys: { credential: unitKeys.credential ?? null, environment: unitKeys.env } }
      : {};
    ctx.out.json({ scope, ...result, ...keys });
    return ExitCode.ok;
  }
  for (const f of result.files) ctx.out.line(`wrote ${f}`);
  const every = `every ${spec.intervalSeconds}s`;
  if (result.enabled) {
    ctx.out.line(
      agents
        ? `loaded local.mycel.sync (${every}) and local.mycel.serve (port ${spec.port})`
        : `enabled mycel-sync.timer (${every}) and mycel-sync.socket (port ${spec.port})`,
    );
  } else {
    const { enableHint } = await import("../service/backend.ts");
    ctx.out.line(`${result.note}; ${enableHint(backend, scope, uidOf(p), result.files)}`);
  }
  return ExitCode.ok;
}
