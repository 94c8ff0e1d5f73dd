/**
 * @module repair
 * `mycel repair`: keep every intact entry after damage and rebuild the state.
 */

import { shortDeviceId } from "../../log/device_id.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { plural } from "../human.ts";
import { homeRoot } from "../session.ts";

/** `mycel repair [--json]`. */
export const repairCommand: CommandSpec = {
  path: ["repair"],
  summary: "keep every intact log entry after damage and rebuild the state",
  description: "Checks every log segment from the start. A damaged file is renamed aside\n" +
    "(.damaged-<time>, never deleted) and its intact prefix kept; the state snapshot is\n" +
    "rebuilt from the log. Entries after the damage come back from peers on the next sync.",
  args: [],
  flags: [
    JSON_FLAG,
    {
      name: "accept-loss",
      help: "let this device write again even though entries of its own log are lost",
    },
  ],
  ...LOCAL,
  async run(ctx, input) {
    const { repairHome } = await import("../../storage/repair.ts");
    const acceptLoss = input.flags["accept-loss"] === true;
    const report = await repairHome(homeRoot(ctx), ctx.now, { acceptLoss });
    if (input.flags.json) {
      ctx.out.json(report);
      return 0;
    }
    const damaged = report.segments.filter((s) => s.setAside);
    if (report.snapshotDamaged) {
      ctx.out.line(
        `snapshot was damaged (${safeText(report.snapshotDamaged)}); rebuilt from the log`,
      );
    }
    for (const s of damaged) {
      ctx.out.line(
        `log of ${shortDeviceId(s.author)}: kept ${plural(s.kept, "entry", "entries")}, ` +
          `set aside ${s.setAside} (${safeText(s.reason ?? "")})`,
      );
    }
    if (damaged.length === 0 && !report.snapshotDamaged) {
      ctx.out.line("log is intact; state rebuilt from it");
    }
    if (report.recoverOwnTo !== undefined) {
      ctx.out.line(
        `this device's own log lost entries up to ${report.recoverOwnTo}; run \`mycel sync now\`` +
          " to fetch them back from a peer before making changes (or repair --accept-loss)",
      );
    }
    return 0;
  },
};
