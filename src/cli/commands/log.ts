/**
 * @module log
 * `mycel log`: which device changed what, and when (newest first). The
 * history it reads is ../log_history.ts; how each op is shown,
 * ../op_text.ts.
 */

import { toHex } from "../../bytes.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import { ExitCode, usageError } from "../../errors.ts";
import { duration, localTime } from "../../human.ts";
import { MAX_DRIFT_MS } from "../../crdt/hlc.ts";
import { safeJson, safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { resolveDevice } from "../devices.ts";
import type { LogEntryJson } from "../json_types.ts";
import { baseNote, newestFirst } from "../log_history.ts";
import { asideMark, asideNotes } from "../log_aside.ts";
import { describeOp, deviceName, opJson } from "../op_text.ts";
import { withRead } from "../session.ts";
import { padToWidth } from "../text_table.ts";
import { displayWidth } from "../../display_width.ts";

/** A stamp's wall time as ISO 8601, or a plain number past the calendar's end (a hostile stamp). */
export function stampTime(wall: number): string {
  return wall <= 8.64e15 ? new Date(wall).toISOString() : `@${wall}`;
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw usageError("run mycel log", "--limit must be a positive whole number", {
      value: text,
      hint: "Give how many entries to show, newest first: mycel log --limit 20",
    });
  }
  return n;
}

/** `mycel log [--json] [--device ID] [--limit N]`. */
export const logCommand: CommandSpec = {
  path: ["log"],
  summary: "show which device changed what, and when (newest first)",
  description: "Times are the authors' clocks, in local time with the UTC offset. History that\n" +
    "every device holds and that is older than the retention (`mycel sync retention`) is\n" +
    "compacted; a last line per device says where its history starts here, and why\n" +
    "(with --json, on standard error: the output stays an array of entries).\n" +
    "Entries kept aside and never applied (a removed device's past the cut of its\n" +
    "removal, the other branch of a fork, ones waiting for their admission) are not\n" +
    "history: a last line says how many each device has; --aside shows them in place,\n" +
    "each marked.\n" +
    "With --json, each op's keys are snake_case at any depth (up_to, noise_key,\n" +
    "need_bytes), as in all --json output; a config value or pattern is as written.",

  args: [],
  flags: [
    JSON_FLAG,
    {
      name: "device",
      value: "DEVICE",
      help: "only changes made by this device (name or id prefix)",
    },
    { name: "limit", value: "N", help: "show at most N entries" },
    { name: "aside", help: "also show entries kept aside and not applied, each marked" },
  ],
  ...LOCAL,
  async run(ctx, input) {
    const limit = parseLimit(input.flags.limit as string | undefined) ?? Infinity;
    return await withRead(ctx, (home) => {
      const state = home.view;
      const only = input.flags.device === undefined
        ? undefined
        : resolveDevice(state, input.flags.device as string, "filter log").record.key;
      const heads = home.log.heads();
      const withAside = input.flags.aside === true;
      // The highest seq shown of each author (an author with entries aside only has no chain).
      const top = new Map([...heads].map(([a, h]) => [a, h.seq]));
      if (withAside) {
        for (const a of home.log.asideSummary()) {
          top.set(a.author, Math.max(top.get(a.author) ?? 0, a.to));
        }
      }
      const authors = [...top.keys()].filter((a) => only === undefined || a === only);
      // A name two devices share (one paired again keeps its name under a new
      // key; the removed one's history stays) gets the short id, as in `mesh
      // list`: else "gamma#15" and "gamma#1" read as one device's history.
      const named = new Map<string, number>();
      for (const m of state.members()) {
        named.set(m.record.name, (named.get(m.record.name) ?? 0) + 1);
      }
      const who = (key: DeviceKey) => {
        const name = deviceName(state, key);
        return (named.get(name) ?? 0) > 1 ? `${name} (${key.short})` : name;
      };
      const history = home.local.get("history") ?? {};
      const compacted = authors.filter((a) => (heads.get(a)?.base ?? 0) > 0)
        .map((a) => ({
          name: who(a),
          base: heads.get(a)!.base,
          why: history[a.hex],
        }));
      // Written as read (never the whole history in memory: a long log took
      // hundreds of MB, its JSON a GB). The JSON is the same text
      // `ctx.out.json` gives for the whole array.
      // Columns line up as in `mesh list` (display width: a CJK name takes two
      // columns a character), from widths known before any entry is read.
      const now = ctx.now();
      const timeWidth = localTime(now).length;
      const whoWidth = Math.max(
        0,
        ...authors.map((a) => displayWidth(safeText(who(a))) + 1 + String(top.get(a)!).length),
      );
      // Without --aside, a last line per device says what is kept aside of it.
      const notes = withAside ? [] : asideNotes(home, only, who);
      let shown = 0;
      try {
        for (const { e, aside } of newestFirst(home, authors, withAside)) {
          if (shown >= limit) break;
          if (input.flags.json) {
            const item: LogEntryJson = {
              device: e.entry.author.id,
              name: deviceName(state, e.entry.author),
              seq: e.entry.seq,
              time: stampTime(e.entry.hlc.wall),
              hlc: [e.entry.hlc.wall, e.entry.hlc.counter],
              hash: toHex(e.hash),
              ops: e.entry.ops.map(opJson),
              ...(withAside ? { set_aside: aside ?? null } : {}),
            };
            ctx.out.write(`${shown === 0 ? "[\n" : ",\n"}${safeJson(item).replace(/^/gm, "  ")}`);
          } else {
            const wall = e.entry.hlc.wall;
            const when = wall <= 8.64e15 ? localTime(wall) : `@${wall} (beyond the calendar)`;
            const by = `${safeText(who(e.entry.author))}#${e.entry.seq}`;
            const what = e.entry.ops.map((o) => describeOp(o, state)).join("; ");
            // A stamp past the drift the clock allows reads as a date to come:
            // say so, as status and doctor name the device's skew.
            const ahead = wall <= 8.64e15 && wall - now > MAX_DRIFT_MS
              ? `  (stamped ${duration(wall - now)} ahead of this device's clock)`
              : "";
            const mark = aside === undefined ? "" : `  ${asideMark(aside)}`;
            ctx.out.line(
              `${padToWidth(when, timeWidth)}  ${padToWidth(by, whoWidth)}  ${what}${ahead}${mark}`,
            );
          }
          shown++;
        }
      } catch (e) {
        // What was written stays a whole JSON array; the error and the exit
        // code say it is not all of the log.
        if (input.flags.json && shown > 0) ctx.out.write("\n]\n");
        throw e;
      }
      if (input.flags.json) {
        ctx.out.write(shown === 0 ? "[]\n" : "\n]\n");
        // The notes go to standard error, as the text has them: the array
        // stays one of entries for every reader of it. Before, --json said
        // nothing, and a compacted log read as an empty one.
        for (const c of compacted) ctx.out.error(baseNote(c, who));
        for (const n of notes) ctx.out.error(n);
        return ExitCode.ok;
      }
      for (const c of compacted) ctx.out.line(baseNote(c, who));
      for (const n of notes) ctx.out.line(n);
      return ExitCode.ok;
    });
  },
};
