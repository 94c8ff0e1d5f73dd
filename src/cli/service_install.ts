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
import { parseDuration, primaryIpv4 } from "./commands/pairing.ts";
import { agentTarget, runnerOf, scopeOf, type ServicePlatform, uidOf } from "./service_platform.ts";
import { commitOps, homeRoot, withRead, withWrite } from "./session.ts";

/** Default TCP port of the sync socket. */
export const DEFAULT_SYNC_PORT = 7850;

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
  return { spec, scope, command, needsEndpoint: self !== undefined && self.endpoints.length === 0 };
}

/** Run `service install` on platform `p`. */
export async function serviceInstall(
  ctx: CommandContext,
  input: ParsedInput,
  p: ServicePlatform,
): Promise<number> {
  const { spec, scope, command, needsEndpoint } = await specOf(ctx, input, p);
  const backend = serviceBackend(p.os, input.flags.cron === true);
  const agents = backend === "launchd" ? await agentTarget(ctx, input, p) : undefined;
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
  if (backend === "cron") {
    const { installCron } = await import("../service/install.ts");
    const { renderCron } = await import("../service/units.ts");
    if (input.flags.apply) {
      ctx.out.write(await installCron(spec, await runnerOf(p)));
      ctx.out.error(
        "Installed into your crontab. Incoming connections need `mycel sync serve --listen` running.",
      );
    } else {
      ctx.out.write(renderCron(spec));
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
    ctx.out.json({ scope, ...result });
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
