/**
 * @module sync_history
 * How much history this device keeps: `mycel sync retention [DAYS|never]`
 * shows or sets it (a local setting, never replicated; default 90 days), and
 * `mycel sync compact` drops now what a `sync now` round drops once a day:
 * entries older than the retention that every device still in the mesh
 * holds (src/sync/compact.ts). The state never changes; `mycel log` then
 * says where each device's history starts here, and why.
 */

import { ExitCode, usageError } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { localTime, plural } from "../../human.ts";
import { isoTime } from "../json_types.ts";
import { openWrite, withRead } from "../session.ts";
import { lazyImport } from "../../lazy_import.ts";

/** Parse a number of days (0–36500), or `never` (null) when `never` is allowed. */
export function parseDays(text: string, flag: string, never: boolean): number | null {
  if (never && text === "never") return null;
  const n = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(n) || n < 0 || n > 36_500) {
    throw usageError(
      `use ${flag}`,
      `it must be a whole number of days from 0 to 36500${never ? ", or never" : ""}`,
      {
        value: text,
        hint: `Give days as digits, such as 90${
          never ? " (or never: keep every change)" : ""
        }: history older than that, which every device holds, is compacted.`,
      },
    );
  }
  return n;
}

/** The history commands. */
export const syncHistoryCommands: CommandSpec[] = [
  {
    path: ["sync", "retention"],
    summary: "show or set how many days of history this device keeps (default 90)",
    description:
      "Entries older than this that every device still in the mesh holds are compacted:\n" +
      "dropped, with a checkpoint of the state keeping their effect (a `sync now` round does\n" +
      "it at most once a day). `never` keeps everything. The setting is this device's own;\n" +
      "other devices keep their own history.",
    args: [{ name: "DAYS", help: "days to keep (0–36500), or never", optional: true }],
    flags: [JSON_FLAG],
    examples: ["mycel sync retention", "mycel sync retention 365", "mycel sync retention never"],
    ...LOCAL,
    async run(ctx, input) {
      const text = input.args.DAYS as string | undefined;
      const { keepDaysOf } = await lazyImport<typeof import("../../sync/compact.ts")>(
        new URL("../../sync/compact.ts", import.meta.url),
      );
      let days: number | null;
      if (text === undefined) {
        days = await withRead(ctx, (home) => keepDaysOf(home));
      } else {
        days = parseDays(text, "DAYS", true);
        using home = await openWrite(ctx);
        await home.write((w) => w.setLocal("retention", { days }));
      }
      if (input.flags.json) ctx.out.json({ days });
      else if (days === null) ctx.out.line("this device keeps its whole history (never compacts)");
      else ctx.out.line(`this device keeps ${plural(days, "day")} of history`);
      return ExitCode.ok;
    },
  },
  {
    path: ["sync", "compact"],
    summary: "drop now the history every device holds and that is older than the retention",
    description:
      "Only entries every device still in the mesh is known to hold (from this device's own\n" +
      "sessions with each of them) and stamped before the cutoff go; the state is unchanged,\n" +
      "a checkpoint keeps their effect, and a device that still lacks some gets that checkpoint.\n" +
      "Removed and retired devices do not hold it back.",
    args: [],
    flags: [
      { name: "keep", value: "DAYS", help: "keep this many days (default: the retention)" },
      { name: "dry-run", help: "say what would be dropped, drop nothing" },
      JSON_FLAG,
    ],
    examples: ["mycel sync compact --dry-run", "mycel sync compact --keep 30"],
    ...LOCAL,
    async run(ctx, input) {
      const { compactNow, keepDaysOf } = await lazyImport<typeof import("../../sync/compact.ts")>(
        new URL("../../sync/compact.ts", import.meta.url),
      );
      using home = await openWrite(ctx);
      const keepText = input.flags.keep as string | undefined;
      const keepDays = keepText === undefined
        ? keepDaysOf(home)
        : parseDays(keepText, "--keep", false);
      const dryRun = input.flags["dry-run"] === true;
      const nameOf = (k: DeviceKey) => home.view.member(k)?.record.name || k.short;
      if (keepDays === null) {
        if (input.flags.json) ctx.out.json({ keep_days: null, dropped: 0, chains: [] });
        else {ctx.out.line(
            "this device keeps its whole history (`mycel sync retention` to change)",
          );}
        return ExitCode.ok;
      }
      const r = await compactNow(home, { keepDays, dryRun });
      const chains = r.moves.map((m) => ({
        id: m.author.id,
        name: nameOf(m.author),
        from: m.from + 1,
        to: m.to,
      }));
      if (input.flags.json) {
        ctx.out.json({
          keep_days: keepDays,
          cutoff: isoTime(r.cutoff),
          dry_run: dryRun,
          dropped: r.dropped,
          chains,
          skipped: r.skipped ?? null,
        });
        return ExitCode.ok;
      }
      const verb = dryRun ? "would drop" : "dropped";
      if (r.moves.length === 0) {
        ctx.out.line(
          r.skipped
            ? `nothing compacted: ${r.skipped}`
            : `nothing to compact (kept: entries from ${
              localTime(r.cutoff)
            } on, and any entry a device in the mesh may still lack)`,
        );
        return ExitCode.ok;
      }
      for (const c of chains) {
        ctx.out.line(`${verb} ${safeText(c.name)} #${c.from}–#${c.to}`);
      }
      ctx.out.line(
        `${verb} ${plural(r.dropped, "entry", "entries")} older than ${
          localTime(r.cutoff)
        } that every device holds`,
      );
      if (r.skipped) ctx.out.error(`note: ${r.skipped}`);
      return ExitCode.ok;
    },
  },
];
