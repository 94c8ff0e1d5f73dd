/**
 * @module service_install
 * `mycel service install`: check every flag first (service_spec.ts: nothing
 * is written on a usage error), advertise an endpoint when the device has
 * none (service_endpoint.ts), then write systemd units, launchd agents or
 * cron lines (service_cron.ts) for the platform. Cron lines only printed
 * (no --apply) change nothing.
 */

import { ExitCode } from "../errors.ts";
import { serviceBackend } from "../service/backend.ts";
import type { InstallResult } from "../service/install.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import { serviceCron } from "./service_cron.ts";
import { advertiseSyncEndpoints } from "./service_endpoint.ts";
import { agentTarget, runnerOf, type ServicePlatform, uidOf } from "./service_platform.ts";
import { specOf, withPassphraseFile } from "./service_spec.ts";
import { lazyImport } from "../lazy_import.ts";

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
  // System units for a user's home run as that user (units.ts, `user`).
  const owner = backend === "systemd" && scope === "system"
    ? (await Deno.lstat(spec.home).catch(() => undefined))?.uid || undefined
    : undefined;
  const unitKeys = await planUnitKeys(homePaths(spec.home), {
    kind: backend === "systemd" ? scope : backend,
    runAs: owner,
    passphraseFile: input.flags["passphrase-file"] as string | undefined,
    env: ctx.env,
    device: self?.id ?? "",
    signal: ctx.signal,
  });
  spec.credential = unitKeys.credential;
  spec.environment = unitKeys.env;
  if (owner !== undefined) {
    // Root's units may use this user's home (storage/home_guard.ts): say whose it is.
    spec.environment = { ...spec.environment, MYCEL_HOME_OWNER: String(owner) };
    // And run as that user: only `mesh up` as root (units.ts, `user`).
    spec.user = owner;
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
  if (!printOnly) await advertiseSyncEndpoints(ctx, spec.port, needsEndpoint);
  if (command.source === "installed") {
    ctx.out.error(`Scheduled: ${command.argv[0]} (on your PATH).`);
  }
  ctx.out.error(unitKeys.note);
  if (backend === "cron") {
    await serviceCron(ctx, input, p, spec);
    return ExitCode.ok;
  }
  if (owner !== undefined) {
    const { giveFoldersBack } = await lazyImport<typeof import("./service_owner.ts")>(
      new URL("./service_owner.ts", import.meta.url),
    );
    await giveFoldersBack(ctx, owner);
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
    result = await installUnits(spec, scope, dir, await runnerOf(p, ctx.signal), enable);
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
