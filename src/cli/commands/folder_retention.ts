/**
 * @module folder_retention
 * `mycel folder retention ID [DAYS]`: how long this device keeps replaced
 * and deleted files of a folder under `.mycel/versions` — shown, or set.
 * `--keep-days` of `folder add` and `folder join` set it once; before this
 * command nothing showed it or changed it afterwards (found by a review).
 * A local setting: every device keeps its own old versions for as long as
 * it says. `sync now` rounds prune once an hour (with 0, every round).
 * Setting fewer days than the kept versions' age says on standard error how
 * many the rounds will delete and how much (issue 13: "not kept here" alone
 * hid that the next round deletes them); no question, so scripts run as
 * before.
 */

import { ExitCode } from "../../errors.ts";
import { humanBytes, plural } from "../../human.ts";
import { lazyImport } from "../../lazy_import.ts";
import { safeText } from "../../text_safety.ts";
import { shellWord } from "../folder_root.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { withRead, withWrite } from "../session.ts";
import { folderLabel } from "../../sync/folder_label.ts";
import { checkFolderId, keepInfo, notSyncedHere } from "./folder_args.ts";

/** Days kept when the folder was added or joined without `--keep-days`. */
export const DEFAULT_KEEP_DAYS = 30;

/** `folder retention`. */
export const folderRetentionCommand: CommandSpec = {
  path: ["folder", "retention"],
  summary: "show or set how many days replaced and deleted files are kept (default 30)",
  description: "Replaced and deleted files of the folder are kept under .mycel/versions in the\n" +
    "folder for this many days (`mycel folder versions PATH` lists them, `folder restore`\n" +
    "puts one back), then pruned by `sync now` rounds (once an hour; with 0, which keeps\n" +
    "none, every round). Setting fewer days says on standard error how many kept\n" +
    "versions that deletes, and how much. The setting is this device's own; other\n" +
    "devices keep their own old versions.",
  args: [
    { name: "ID", help: "folder id (see `mycel folder list`)" },
    { name: "DAYS", help: "days to keep (0–36500)", optional: true },
  ],
  flags: [JSON_FLAG],
  examples: ["mycel folder retention abcde-fgh23", "mycel folder retention abcde-fgh23 90"],
  ...LOCAL,
  async run(ctx, input) {
    const id = checkFolderId(input.args.ID as string);
    const text = input.args.DAYS as string | undefined;
    let days: number;
    // "photos (2p547-v4hbr): …", as `folder status` names it (it gave the id alone).
    let label = id;
    if (text === undefined) {
      days = await withRead(ctx, (home) => {
        const f = home.folderLocal.folder(id);
        if (f === undefined) throw notSyncedHere(id, "show folder retention");
        label = folderLabel(home, id);
        return f.info.keepDays ?? DEFAULT_KEEP_DAYS;
      });
    } else {
      // The same check as --keep-days of `folder add` and `folder join`,
      // said of this command (the user gave no --keep-days).
      days = keepInfo({ "keep-days": text }, "set folder retention").keepDays!;
      const root = await withWrite(ctx, (w, home) => {
        const f = w.folderLocal.folder(id);
        if (f === undefined) throw notSyncedHere(id, "set folder retention");
        label = folderLabel(home, id);
        w.folderLocal.setInfo(id, { ...f.info, keepDays: days });
        return Promise.resolve(f.root);
      });
      await sayWhatGoes(ctx, label, root, days);
    }
    if (input.flags.json) ctx.out.json({ id, keep_days: days });
    else if (days === 0) ctx.out.line(`${label}: replaced and deleted files are not kept here`);
    else {
      ctx.out.line(`${label}: replaced and deleted files are kept here ${plural(days, "day")}`);
    }
    return ExitCode.ok;
  },
};

/**
 * Say on standard error what the rounds will delete under the new `days`:
 * the kept versions older than that, counted now (a dry run of the prune).
 * The folder named by `label`, as the line on standard output names it
 * ("photos (2p547-v4hbr)"): the note gave the id alone.
 */
async function sayWhatGoes(
  ctx: CommandContext,
  label: string,
  root: string,
  days: number,
): Promise<void> {
  const { pruneVersions } = await lazyImport<typeof import("../../files/versions.ts")>(
    new URL("../../files/versions.ts", import.meta.url),
  );
  const goes = await pruneVersions(root, {
    now: ctx.now(),
    retentionMs: days * 86_400_000,
    dryRun: true,
  });
  if (goes.removed === 0) return;
  const one = goes.removed === 1;
  const size = humanBytes(goes.bytes);
  const them = one ? "it" : "them";
  // One version is "the kept version", not "all 1 kept version".
  const all = one ? `the kept version (${size})` : `all ${goes.removed} kept versions (${size})`;
  ctx.out.error(
    days === 0
      ? `note: the next \`mycel sync now\` deletes ${all} of ${label} under .mycel/versions.`
      : `note: ${plural(goes.removed, "kept version")} (${size}) of ${label} ${
        one ? "is" : "are"
      } ` +
        `older than ${plural(days, "day")}: the next hourly sweep of \`mycel sync now\` ` +
        `deletes ${them}.`,
  );
  ctx.out.error(
    `See ${them} with \`mycel folder versions ${safeText(shellWord(root))}\`; ` +
      `a larger number of days keeps ${them}.`,
  );
}
