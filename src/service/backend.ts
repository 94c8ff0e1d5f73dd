/**
 * @module backend
 * Which scheduler mycel installs into on which platform (pure): launchd
 * agents on macOS, systemd units elsewhere, cron lines when asked for. Also
 * the one line that says how to enable what was written but not enabled.
 */

import type { ServiceScope } from "./install.ts";
import { AGENT_LABELS } from "./launchd.ts";
import { ENABLED_UNITS } from "./units.ts";

/** A scheduler. */
export type ServiceBackend = "systemd" | "launchd" | "cron";

/** The scheduler for `os` (`Deno.build.os`); `cron` when the user asked for cron lines. */
export function serviceBackend(os: string, cron: boolean): ServiceBackend {
  if (cron) return "cron";
  return os === "darwin" ? "launchd" : "systemd";
}

/** How to enable later what `service install --no-enable` (or a failed enable) wrote. */
export function enableHint(
  backend: ServiceBackend,
  scope: ServiceScope,
  uid: number,
  files: readonly string[],
): string {
  if (backend === "launchd") {
    const loads = AGENT_LABELS.map((_, i) => `launchctl bootstrap gui/${uid} ${files[i]}`);
    return `load later with: ${loads.join(" && ")}`;
  }
  const how = scope === "user" ? "systemctl --user" : "systemctl";
  return `enable later with: ${how} enable --now ${ENABLED_UNITS.join(" ")}`;
}
