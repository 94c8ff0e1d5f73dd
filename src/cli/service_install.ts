/**
 * @module service_install
 * `mycel service install`: check every flag first (nothing is written on a
 * usage error), advertise an endpoint when the device has none, then write
 * systemd units, launchd agents or cron lines for the platform. Cron lines
 * only printed (no --apply) change nothing.
 */

import { resolve } from "node:path";
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
import { lazyImport } from "../lazy_import.ts";

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
  const { selfCommandOf } = await lazyImport<typeof import("./self_command.ts")>(
    new URL("./self_command.ts", import.meta.url),
  );
  const command = (p.self ?? selfCommandOf)();
  const spec: ServiceSpec = {
    mesh: input.flags.mesh === true,
    exec: command.argv,
    // Absolute: a timer, cron or launchd runs it from another working folder,
    // where a relative `--home A` (or MYCEL_HOME) names another, missing home.
    home: resolve(homeRoot(ctx)),
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

/**
 * User units stop when the user's last session ends unless systemd keeps the
 * user's manager running ("lingering", a file per user in `lingerDir`): say
 * how, when it is off. Undefined when it is on or the user is unknown.
 */
export async function lingerNote(
  env: (name: string) => string | undefined,
  lingerDir = "/var/lib/systemd/linger",
): Promise<string | undefined> {
  const user = env("USER") ?? env("LOGNAME");
  if (!user || /[^\w.-]/.test(user)) return undefined;
  const on = await Deno.stat(`${lingerDir}/${user}`).then(() => true, () => false);
  if (on) return undefined;
  return "note: user units run only while you are logged in; to keep syncing after you log " +
    `out (and from boot), run \`loginctl enable-linger ${user}\` once (or install system units as root).`;
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
  const { planUnitKeys } = await lazyImport<typeof import("../service/unit_keys.ts")>(
    new URL("../service/unit_keys.ts", import.meta.url),
  );
  const { homePaths } = await lazyImport<typeof import("../storage/home.ts")>(
    new URL("../storage/home.ts", import.meta.url),
  );
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
    const { renderAgents } = await lazyImport<typeof import("../service/launchd.ts")>(
      new URL("../service/launchd.ts", import.meta.url),
    );
    renderAgents(spec, agents.logDir); // a path a plist cannot hold fails before any write
  }
  // Printed cron lines change nothing here: their `sync serve --listen` line
  // advertises its port when it starts. Before, printing them with --port
  // re-pointed every peer at a port nothing listened on yet.
  const printOnly = backend === "cron" && !input.flags.apply;
  if (!printOnly) {
    // Addresses this machine has now, at the port the socket will listen on.
    const { refreshAt } = await lazyImport<typeof import("../sync/self_record.ts")>(
      new URL("../sync/self_record.ts", import.meta.url),
    );
    const changed = await refreshAt(homeRoot(ctx), ctx.env, spec.port);
    if (changed.endpoints) {
      ctx.out.error(`Advertising ${changed.endpoints.join(", ")} as this device's sync endpoints.`);
    }
  }
  const stillNone = !printOnly &&
    (await withRead(ctx, (home) => home.view.member(home.device)?.record.endpoints.length)) === 0;
  if (!printOnly && needsEndpoint && stillNone) {
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
    const { installCron } = await lazyImport<typeof import("../service/install.ts")>(
      new URL("../service/install.ts", import.meta.url),
    );
    const { renderCron } = await lazyImport<typeof import("../service/units.ts")>(
      new URL("../service/units.ts", import.meta.url),
    );
    // flock(1) is util-linux: Linux only (the round guard covers the rest).
    const cronLock = p.os === "linux" ? `${spec.home}/cron.lock` : undefined;
    // Incoming sync (and LAN discovery): cron cannot hand over sockets, so a
    // third line keeps one `sync serve --listen` running (see renderCron).
    const listen = {
      address: `0.0.0.0:${spec.port}`,
      ...(p.os === "linux" ? { lockFile: `${spec.home}/serve.lock` } : {}),
    };
    const what = `incoming sync on TCP ${spec.port} and LAN discovery: the third line keeps ` +
      "`mycel sync serve --listen` running (started again within a minute if it stops)";
    if (input.flags.apply) {
      ctx.out.write(await installCron(spec, await runnerOf(p), cronLock, listen));
      ctx.out.error(`Installed into your crontab: a sync round every 30 s; ${what}.`);
    } else {
      ctx.out.write(renderCron(spec, cronLock, listen));
      ctx.out.error(`A sync round every 30 s; ${what}.`);
      ctx.out.error("Add these lines with `crontab -e`, or run again with --apply.");
    }
    return ExitCode.ok;
  }
  const enable = !input.flags["no-enable"];
  let result: InstallResult;
  if (agents) {
    const { installAgents } = await lazyImport<typeof import("../service/launchd_install.ts")>(
      new URL("../service/launchd_install.ts", import.meta.url),
    );
    result = await installAgents(spec, agents, enable);
  } else {
    const { installUnits, unitDir } = await lazyImport<typeof import("../service/install.ts")>(
      new URL("../service/install.ts", import.meta.url),
    );
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
        ? `loaded local.mycel.sync (${every}), local.mycel.serve (port ${spec.port}) and ` +
          "local.mycel.discovery (UDP 7850)"
        : `enabled mycel-sync.timer (${every}), mycel-sync.socket (port ${spec.port}) and ` +
          "mycel-discovery.socket (UDP 7850)",
    );
    const linger = backend === "systemd" && scope === "user"
      ? await lingerNote(ctx.env)
      : undefined;
    if (linger) ctx.out.error(linger);
  } else {
    const { enableHint } = await lazyImport<typeof import("../service/backend.ts")>(
      new URL("../service/backend.ts", import.meta.url),
    );
    ctx.out.line(`${result.note}; ${enableHint(backend, scope, uidOf(p), result.files)}`);
  }
  return ExitCode.ok;
}
