/**
 * @module service_spec
 * What `mycel service install`'s flags ask for, checked before anything is
 * written (a usage error leaves no unit behind): the interval, the port
 * (this device's advertised one unless --port; else the default), the
 * scope, --mesh only with system units, the command the timer runs, and
 * --passphrase-file, which opens the keys for this command too. Apart from
 * service_install.ts, which writes what this asks for.
 */

import { usageError } from "../errors.ts";
import { cronSchedule } from "../service/cron_schedule.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import { DEFAULT_SYNC_PORT } from "../mesh/self_endpoints.ts";
import type { ServiceSpec } from "../service/units.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import { parseDuration } from "./duration.ts";
import { scopeOf, type ServicePlatform } from "./service_platform.ts";
import { homeRoot, withRead } from "./session.ts";
import { lazyImport } from "../lazy_import.ts";

/** The `--passphrase-file` given opens the keys for this command too. */
export function withPassphraseFile(ctx: CommandContext, input: ParsedInput): CommandContext {
  const file = input.flags["passphrase-file"] as string | undefined;
  if (file === undefined) return ctx;
  return { ...ctx, env: (n) => (n === "MYCEL_PASSPHRASE_FILE" ? file : ctx.env(n)) };
}

/** The spec of the units (or cron lines) `service install` writes, from its flags. */
export async function specOf(ctx: CommandContext, input: ParsedInput, p: ServicePlatform) {
  const intervalMs = parseDuration(
    (input.flags.interval as string | undefined) ?? "30s",
    "--interval",
  );
  const intervalSeconds = Math.max(1, Math.round(intervalMs / 1000));
  // An interval cron can't keep is refused before anything is written.
  if (input.flags.cron) cronSchedule(intervalSeconds);
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
    // homeRoot made it so, keeping a `..` for the kernel (`link/../h` after a
    // symlinked folder); resolve() dropped `link/..` as text, another home.
    home: homeRoot(ctx),
    intervalSeconds,
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
