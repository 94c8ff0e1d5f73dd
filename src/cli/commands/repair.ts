/**
 * @module repair
 * `mycel repair`: keep everything intact after damage and rebuild the rest.
 */

import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import type { RepairJson } from "../json_types.ts";
import { plural } from "../../human.ts";
import { homeRoot } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";

/** `mycel repair [--json]`. */
export const repairCommand: CommandSpec = {
  path: ["repair"],
  summary: "check the home for damage; keep everything intact and rebuild the rest",
  description: "Runs SQLite's integrity check and checks every stored entry (hash, chain,\n" +
    "signature). If anything is damaged, every entry that can still be read is carried into\n" +
    "a fresh database (the damaged one is kept as mycel.db.damaged-<time>); entries after a\n" +
    "gap wait until `mycel sync now` brings the missing ones back from a peer.",
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
    const { repairHome } = await lazyImport<typeof import("../../storage/repair.ts")>(
      new URL("../../storage/repair.ts", import.meta.url),
    );
    const report = await repairHome(homeRoot(ctx), ctx.now, {
      acceptLoss: input.flags["accept-loss"] === true,
      env: ctx.env,
    });
    if (input.flags.json) {
      const out: RepairJson = {
        damage: report.damage,
        kept: report.kept,
        waiting: report.waiting,
        lost: report.lost,
        set_aside: report.setAside ?? null,
        recover_own_to: report.recoverOwnTo ?? null,
      };
      ctx.out.json(out);
      return 0;
    }
    if (report.damage.length === 0) {
      ctx.out.line("the home is intact: nothing to repair");
      return 0;
    }
    for (const d of report.damage.slice(0, 5)) ctx.out.line(`damage: ${safeText(d)}`);
    ctx.out.line(
      `kept ${plural(report.kept, "entry", "entries")}` +
        (report.waiting ? `, ${report.waiting} waiting for entries a peer has` : "") +
        (report.lost ? `, ${report.lost} unreadable` : "") +
        `; the damaged database is kept as ${report.setAside}`,
    );
    if (report.recoverOwnTo !== undefined) {
      ctx.out.line(
        `this device's own log lost entries up to ${report.recoverOwnTo}; run \`mycel sync now\`` +
          " to fetch them back from a peer before making changes (or repair --accept-loss)",
      );
    }
    return 0;
  },
};
