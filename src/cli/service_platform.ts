/**
 * @module service_platform
 * What `mycel service` needs from the machine, passed in so that the
 * systemd, launchd and cron paths can all be exercised anywhere: the OS
 * (`Deno.build.os`), a runner for systemctl/launchctl/crontab, the user id
 * and the command units run. Also the flag rules shared by the service
 * commands (scope, where launchd agents go).
 */

import { MycelError, usageError } from "../errors.ts";
import type { Runner } from "../mesh/system.ts";
import type { ServiceScope } from "../service/install.ts";
import type { AgentTarget } from "../service/launchd_install.ts";
import { launchAgentDir, launchLogDir } from "../service/launchd.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import type { SelfCommand } from "./self_command.ts";
import { lazyImport } from "../lazy_import.ts";

/** What the service commands need from the machine. */
export interface ServicePlatform {
  /** `Deno.build.os`: "darwin" uses launchd, anything else systemd. */
  os: string;
  /** Runs systemctl, launchctl, crontab (default: the real commands). */
  runner?: Runner;
  /** The user id (default `Deno.uid()`). */
  uid?: () => number;
  /** The command units run (default: `selfCommandOf()`). */
  self?: () => SelfCommand;
}

/** The platform's runner, or the real one (each tool under a deadline, killed on Ctrl-C: `signal`). */
export async function runnerOf(p: ServicePlatform, signal: AbortSignal): Promise<Runner> {
  return p.runner ??
    (await lazyImport<typeof import("../mesh/system.ts")>(
      new URL("../mesh/system.ts", import.meta.url),
    )).systemRunner({ signal });
}

/** The platform's user id. */
export function uidOf(p: ServicePlatform): number {
  return (p.uid ?? (() => Deno.uid() ?? 0))();
}

/** `--user`/`--system` (or the default for this user and OS). */
export function scopeOf(input: ParsedInput, p: ServicePlatform): ServiceScope {
  if (input.flags.user && input.flags.system) {
    throw usageError("run mycel service", "give --user or --system, not both");
  }
  if (p.os === "darwin" && input.flags.system && !input.flags.cron) {
    throw usageError("run mycel service", "on macOS mycel installs per-user launchd agents", {
      hint: "Run it without --system, as the user whose devices sync.",
    });
  }
  if (input.flags.system) return "system";
  if (input.flags.user || p.os === "darwin") return "user";
  return uidOf(p) === 0 ? "system" : "user";
}

/** Where this user's launchd agents and their logs go (`--dir` moves the plists). */
export async function agentTarget(
  ctx: CommandContext,
  input: ParsedInput,
  p: ServicePlatform,
): Promise<AgentTarget> {
  const home = ctx.env("HOME");
  if (!home?.startsWith("/")) {
    throw new MycelError("no_home", "find ~/Library/LaunchAgents", "HOME is not absolute", {
      value: home ?? "unset",
      hint: "launchd agents live in ~/Library/LaunchAgents: run it with HOME set.",
    });
  }
  return {
    dir: (input.flags.dir as string | undefined) ?? launchAgentDir(home),
    logDir: launchLogDir(home),
    uid: uidOf(p),
    runner: await runnerOf(p, ctx.signal),
  };
}
