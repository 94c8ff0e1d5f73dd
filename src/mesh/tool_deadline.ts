/**
 * @module tool_deadline
 * How long each tool mycel runs may take, and the `tool_timeout` error
 * naming one that did not answer (the runner, system.ts, kills it). Apart
 * from the runner so the numbers and the words can be read in one place.
 * Pure.
 */

import { seconds } from "../deadline.ts";
import { isMycelError, MycelError } from "../errors.ts";

/**
 * How long (ms) each tool may take: what answers at once when the system is
 * well (a netlink call, a `wg` control socket read) gets 10 s; what waits on
 * a daemon doing work (systemd starting units, launchd loading agents) 30 s.
 */
export const TOOL_DEADLINE_MS: Readonly<Record<string, number>> = {
  ip: 10_000,
  wg: 10_000,
  systemctl: 30_000,
  launchctl: 30_000,
  crontab: 10_000,
};

/** Any other tool (ifconfig, route, netstat, cat, ps, …). */
const OTHER_DEADLINE_MS = 10_000;

/**
 * Test knob: every tool's deadline in ms, so a test of a hung tool takes
 * less than a second, not 10 s.
 */
export const TOOL_DEADLINE_KNOB = "MYCEL_TEST_TOOL_DEADLINE_MS";

/** `cmd`'s deadline (by its base name). */
export function toolDeadline(cmd: string): number {
  return TOOL_DEADLINE_MS[cmd.slice(cmd.lastIndexOf("/") + 1)] ?? OTHER_DEADLINE_MS;
}

/** What to do about a tool that did not answer. */
const STUCK_HINTS: Record<string, string> = {
  wg: "A wireguard-go that stopped answering on its control socket does this: " +
    "`sudo mycel mesh down` then `sudo mycel mesh up` starts it again.",
  ip: "The kernel's network configuration did not answer: try again; `dmesg` may say why.",
  systemctl: "systemd (or D-Bus) did not answer: `systemctl status` and " +
    "`journalctl -u dbus` may say why; for --user units, check that your session bus runs.",
  launchctl: "launchd did not answer: try again, or log out and in again.",
  crontab: "crontab did not answer: check that cron's spool is not locked, then try again.",
};

/** The `tool_timeout` error of `cmd args` killed after `ms`. */
export function toolTimeout(cmd: string, args: readonly string[], ms: number): MycelError {
  const name = cmd.slice(cmd.lastIndexOf("/") + 1);
  return new MycelError("tool_timeout", `run ${name}`, `it did not answer within ${seconds(ms)}`, {
    value: `${name} ${args.slice(0, 4).join(" ")}`.trim(),
    hint: STUCK_HINTS[name] ?? `${name} hung; it was stopped. Try again.`,
  });
}

/**
 * True for a tool that hung (`tool_timeout`) or Ctrl-C (`sync_interrupted`):
 * what a caller treating a failed tool as "no answer" must still throw.
 */
export function hungOrInterrupted(e: unknown): boolean {
  return isMycelError(e, "tool_timeout") || isMycelError(e, "sync_interrupted");
}
