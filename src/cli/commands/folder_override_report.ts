/**
 * @module folder_override_report
 * What `mycel folder override` says once it has overridden (or, with
 * --dry-run, listed) the paths (folder_override.ts): notes on standard
 * error for each kind of path left alone — too wide, unread by the scan,
 * never had here — and on a dry run's source, then on standard output what
 * changed or would.
 */

import { plural } from "../../human.ts";
import { safeText } from "../../text_safety.ts";
import type { CommandContext } from "../command.ts";

/** What the override's plan said (src/sync/folder_override.ts). */
export interface OverrideOutcome {
  /** The paths overridden (or, on a dry run, that would be). */
  readonly list: readonly { path: string; becomes: string }[];
  readonly notArrived: readonly string[];
  readonly unread: readonly string[];
  readonly tooWide: readonly { path: string; reason: string }[];
}

/** Print the outcome of overriding folder `id` (`dry`: a dry run). */
export function printOverride(
  ctx: CommandContext,
  id: string,
  dry: boolean,
  { list, notArrived, unread, tooWide }: OverrideOutcome,
): void {
  for (const p of tooWide) {
    ctx.out.error(`note: left alone: ${safeText(p.path)}: ${p.reason}`);
  }
  if (unread.length > 0) {
    ctx.out.error(
      `note: ${plural(unread.length, "path")} left alone: the scan could not read ` +
        `${unread.length === 1 ? "it" : "them"} (e.g. ${safeText(unread[0])}; ` +
        `\`mycel folder status ${id}\` says why), so what this disk holds there is not known`,
    );
  }
  if (notArrived.length > 0) {
    // Never here: not "deleted on this disk" (src/sync/folder_override.ts).
    ctx.out.error(
      `note: ${plural(notArrived.length, "path")} left alone: this device never had ` +
        `${notArrived.length === 1 ? "it" : "them"} (still to come with \`mycel sync now\`, e.g. ` +
        `${safeText(notArrived[0])}); name a path, or add --missing, to delete it everywhere`,
    );
  }
  if (dry) {
    ctx.out.error(
      "note: listed from the last scan; a change on this disk since is not seen " +
        `(\`mycel folder scan ${id}\` first to include it)`,
    );
  }
  if (list.length === 0) {
    ctx.out.line(
      notArrived.length + unread.length + tooWide.length === 0
        ? `${id}: every path already matches this device's disk.`
        : `${id}: nothing else to override: every other path already matches this device's disk.`,
    );
  } else if (dry) {
    for (const p of list) ctx.out.line(`${safeText(p.path)}: would become ${p.becomes}`);
  } else {
    ctx.out.line(
      `${id}: ${plural(list.length, "path")} overridden; they reach the other devices with ` +
        "the next `mycel sync now`.",
    );
  }
}
