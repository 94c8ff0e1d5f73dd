/**
 * @module service_cron
 * `mycel service install --cron`: the crontab lines of a sync round every
 * `--interval` (30 s by default: cron_schedule.ts) and of a `sync serve --listen` kept running (cron cannot hand over
 * sockets), printed, or installed into the user's crontab with --apply.
 * Apart from service_install.ts: cron has no units to enable. With
 * `--json`, standard output is one document holding the block (before, the
 * crontab text itself, which no JSON parser reads).
 */

import type { ServiceSpec } from "../service/units.ts";
import type { CommandContext, ParsedInput } from "./command.ts";
import { runnerOf, type ServicePlatform } from "./service_platform.ts";
import { lazyImport } from "../lazy_import.ts";
import { duration } from "../human.ts";

/** Print the cron lines of `spec`, or install them (--apply). */
export async function serviceCron(
  ctx: CommandContext,
  input: ParsedInput,
  p: ServicePlatform,
  spec: ServiceSpec,
): Promise<void> {
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
  // "30 s", "5 m": as the message always read.
  const every = duration(spec.intervalSeconds * 1000).replace(/^(\d+)/, "$1 ");
  const what = `incoming sync on TCP ${spec.port} and LAN discovery: the third line keeps ` +
    "`mycel sync serve --listen` running (started again within a minute if it stops)";
  const apply = input.flags.apply === true;
  const text = apply
    ? await installCron(spec, await runnerOf(p, ctx.signal), cronLock, listen)
    : renderCron(spec, cronLock, listen);
  if (input.flags.json) {
    // What the text prints, as data: the block exactly, and whether it went in.
    ctx.out.json({
      crontab: text,
      applied: apply,
      interval_seconds: spec.intervalSeconds,
      port: spec.port,
    });
    return;
  }
  ctx.out.write(text);
  if (apply) ctx.out.error(`Installed into your crontab: a sync round every ${every}; ${what}.`);
  else {
    ctx.out.error(`A sync round every ${every}; ${what}.`);
    ctx.out.error("Add these lines with `crontab -e`, or run again with --apply.");
  }
}
