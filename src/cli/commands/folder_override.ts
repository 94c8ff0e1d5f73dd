/**
 * @module folder_override
 * `mycel folder override ID [PATH...]`: this device's files become the
 * folder's version on every device (src/sync/folder_override.ts) — the way
 * out when files wait for a version nobody can send any more (its maker was
 * removed or retired before anyone fetched it), or when the user simply
 * wants this copy to win. It scans first (so the disk, not a stale index,
 * is what wins), lists what it would change, and asks on a terminal; without
 * one it needs --yes. What other devices replace is kept in their
 * `.mycel/versions` for the folder's keep days. The paths it takes are
 * folder_override_paths.ts, what it says at the end folder_override_report.ts.
 */

import { ExitCode, interruptedError, MycelError } from "../../errors.ts";
import { lazyImport } from "../../lazy_import.ts";
import { safeText } from "../../text_safety.ts";
import { plural } from "../../human.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { homeRoot, withRead } from "../session.ts";
import { markerStop } from "../../files/folder_marker.ts";
import { checkFolderId, notSyncedHere } from "./folder_args.ts";
import { scanNow } from "./folder_scan_now.ts";
import { noSuchPaths, onlyPaths } from "./folder_override_paths.ts";
import { printOverride } from "./folder_override_report.ts";

const ACTION = "override folder";

async function confirmed(ctx: CommandContext, id: string, n: number): Promise<boolean> {
  if (!ctx.stdinIsTerminal) {
    throw new MycelError("needs_confirmation", ACTION, "an override needs confirmation", {
      value: id,
      hint: "Standard input is not a terminal, so mycel cannot ask. Run again with --yes\n" +
        "(--dry-run lists the paths without changing anything).",
      exit: ExitCode.usage,
    });
  }
  const answer = await ctx.ask(
    `Make this device's copy of ${plural(n, "path")} the folder's version on every device? [y/N] `,
    ctx.signal,
  );
  // Ctrl-C at the question: 130 at once, and said (not a silent 3 s wait).
  if (ctx.signal.aborted) {
    throw interruptedError(ACTION, { value: id, hint: "Nothing was overridden." });
  }
  return /^\s*y(es)?\s*$/i.test(answer ?? "");
}

export const folderOverrideCommand: CommandSpec = {
  path: ["folder", "override"],
  summary: "make this device's files the folder's version everywhere (ends waits and conflicts)",
  description: "For every path where the folder's state differs from this device's disk (a\n" +
    "version not applied here, a conflict, a file waiting for a device removed since),\n" +
    "publishes what the disk holds — or its deletion — above every version of the path.\n" +
    "Paths this device never had are still to come, not deleted: they are left alone\n" +
    "unless named, or with --missing (files no device can send any more).\n" +
    "Other devices keep what they replace in .mycel/versions. Scans first; lists the\n" +
    "paths; asks on a terminal, otherwise needs --yes. --dry-run changes nothing, not\n" +
    "even by a scan: it lists from the last scan. Ctrl-C during the scan exits 130 and\n" +
    "changes nothing.",
  args: [
    { name: "ID", help: "folder id (see `mycel folder list`)" },
    {
      name: "PATH",
      help: "only these paths (relative to the folder's root, or absolute)",
      optional: true,
      variadic: true,
    },
  ],
  flags: [
    {
      name: "dry-run",
      help: "list the paths that would change (from the last scan); change nothing",
    },
    {
      name: "missing",
      help: "also delete everywhere the paths this device never had (files no device can " +
        "send any more; --dry-run lists them)",
    },
    { name: "yes", help: "do not ask" },
    JSON_FLAG,
  ],
  examples: [
    "mycel folder override abcde-fgh23 --dry-run",
    "mycel folder override abcde-fgh23 notes.txt",
  ],
  ...WRITES,
  async run(ctx, input) {
    const id = checkFolderId(input.args.ID as string);
    const local = await withRead(ctx, (home) => home.folderLocal.folder(id));
    if (local === undefined) {
      throw notSyncedHere(id, ACTION, "See `mycel folder list`.");
    }
    const only = await onlyPaths(
      ctx,
      (input.args.PATH as string[] | undefined) ?? [],
      id,
      local.root,
    );
    const dry = input.flags["dry-run"] === true;
    // A dry run changes nothing, so it does not scan (a scan publishes what
    // changed): it lists from the last scan, and says so.
    const [scan] = dry ? [undefined] : await scanNow(ctx, id, false);
    // The marker is looked at now, as `folder status` does: a dry run said
    // "every path already matches this device's disk" of an unmounted disk.
    const stopped = dry ? (markerStop(local.root) ?? local.info.stopped) : scan?.stopped;
    if (stopped) {
      throw new MycelError("folder_stopped", ACTION, safeText(stopped), {
        value: id,
        hint: `Nothing changed. If it moved: \`mycel folder move ${id} NEWPATH\`; if its disk ` +
          "is not mounted, mount it; then run this again.",
      });
    }
    // Held deletions leave index rows of files that are gone: the disk would
    // not be what wins.
    const held = scan?.held || (await withRead(ctx, (h) => h.folderLocal.folder(id)))?.info.held
      ?.deletes ||
      0;
    if (held > 0) {
      throw new MycelError(
        "deletions_held",
        ACTION,
        `${plural(held, "deletion")} here ${
          held === 1 ? "is" : "are"
        } held, waiting for confirmation`,
        {
          value: id,
          hint: `Confirm them with \`mycel folder scan ${id} --yes\` (or put the files back), ` +
            "then override.",
        },
      );
    }
    const unsure = new Set(
      (dry ? local.info.notSynced ?? [] : scan?.skipped ?? []).map((p) => p.path),
    );
    const { overrideFolder } = await lazyImport<typeof import("../../sync/folder_override.ts")>(
      new URL("../../sync/folder_override.ts", import.meta.url),
    );
    const { leftAloneHere } = await lazyImport<typeof import("../../sync/left_alone.ts")>(
      new URL("../../sync/left_alone.ts", import.meta.url),
    );
    const { Home } = await lazyImport<typeof import("../../storage/home_handle.ts")>(
      new URL("../../storage/home_handle.ts", import.meta.url),
    );
    using home = await Home.open(homeRoot(ctx), {
      write: true,
      now: ctx.now,
      env: ctx.env,
      signal: ctx.signal,
    });
    const folder = home.folderLocal.folder(id)!;
    const ignored = await leftAloneHere(home, folder);
    const plan = async (dryRun: boolean, paths = only) =>
      await overrideFolder(home, id, {
        only: paths,
        unsure,
        ignored,
        dryRun,
        missing: input.flags.missing === true,
      });
    const first = await plan(true);
    if (first.unknown.length > 0) throw noSuchPaths(id, local.root, first.unknown);
    let list = first.paths;
    if (!dry && list.length > 0 && !input.flags.yes) {
      for (const p of list) ctx.out.error(`  ${safeText(p.path)}: ${p.becomes}`);
    }
    if (!dry && list.length > 0) {
      if (!input.flags.yes && !await confirmed(ctx, id, list.length)) {
        throw new MycelError("cancelled", ACTION, "not confirmed", {
          value: id,
          hint: "Nothing was changed.",
        });
      }
      // Only what was listed (a round may have changed the state since).
      list = (await plan(false, new Set(list.map((p) => p.path)))).paths;
    }
    const { notArrived, unread, tooWide } = first;
    if (input.flags.json) {
      ctx.out.json({
        id,
        dry_run: dry,
        paths: list,
        not_arrived: notArrived,
        unread,
        too_wide: tooWide,
      });
      return ExitCode.ok;
    }
    printOverride(ctx, id, dry, { list, notArrived, unread, tooWide });
    return ExitCode.ok;
  },
};
