/**
 * @module folder_override
 * `mycel folder override ID [PATH...]`: this device's files become the
 * folder's version on every device (src/sync/folder_override.ts) — the way
 * out when files wait for a version nobody can send any more (its maker was
 * removed or retired before anyone fetched it), or when the user simply
 * wants this copy to win. It scans first (so the disk, not a stale index,
 * is what wins), lists what it would change, and asks on a terminal; without
 * one it needs --yes. What other devices replace is kept in their
 * `.mycel/versions` for the folder's keep days.
 */

import { isAbsolute, relative, resolve } from "node:path";
import { ExitCode, MycelError } from "../../errors.ts";
import { relativePathProblem } from "../../files/paths.ts";
import { lazyImport } from "../../lazy_import.ts";
import { safeText } from "../../text_safety.ts";
import { plural } from "../../human.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { homeRoot, withRead } from "../session.ts";
import { markerStop } from "../../files/folder_marker.ts";
import { checkFolderId, notSyncedHere } from "./folder_args.ts";
import { scanNow } from "./folder_scan_now.ts";

const ACTION = "override folder";

/**
 * The paths named on the command line, checked (folder-relative, no `..`).
 * An absolute path in the folder at `root` is taken as the path in it: the
 * shell completes one, and `folder versions` and `restore` take them (it was
 * refused as "absolute" with a hint to give what it already named).
 */
async function onlyPaths(
  ctx: CommandContext,
  words: readonly string[],
  id: string,
  root: string,
): Promise<Set<string> | undefined> {
  if (words.length === 0) return undefined;
  // "notes/" as a shell's completion gives it names the folder notes.
  words = words.map((p) => p.length > 1 ? p.replace(/\/+$/, "") || p : p);
  const taken: string[] = [];
  for (const p of words) taken.push(isAbsolute(p) ? await inFolder(ctx, p, id, root) : p);
  words = taken;
  for (const p of words) {
    const problem = relativePathProblem(p);
    if (problem !== undefined) {
      throw new MycelError("bad_path", ACTION, `a path must be inside the folder: ${problem}`, {
        value: p === "" ? '""' : safeText(p), // "()" said nothing
        hint: "Give paths relative to the folder's root, e.g. notes/todo.txt.",
        exit: ExitCode.usage,
      });
    }
  }
  return new Set(words);
}

/**
 * The absolute path `p` as a path in folder `id` at `root`. Lexically in
 * the root first; else as `folder versions` and `restore` find it
 * (folder_file.ts: links on the way outside the folder followed, such as a
 * linked home), so a path the shell completes through a link is taken too.
 */
async function inFolder(ctx: CommandContext, p: string, id: string, root: string): Promise<string> {
  let rel = relative(root, resolve(p));
  // In the root: the checks of a relative path say what is wrong with it
  // (one of mycel's own files, say), not "outside the folder".
  if (rel !== "" && rel !== ".." && !rel.startsWith("../") && !isAbsolute(rel)) return rel;
  const { locateFile } = await lazyImport<typeof import("../folder_file.ts")>(
    new URL("../folder_file.ts", import.meta.url),
  );
  const found = await locateFile(ctx, p, { root: true }).catch(() => undefined);
  if (found?.folder === id) {
    if (found.rel !== "" && relativePathProblem(found.rel) === undefined) return found.rel;
    rel = found.rel;
  }
  throw new MycelError(
    "bad_path",
    ACTION,
    rel === ""
      ? "it is the folder's root, not a path in it"
      : `it is outside the folder, at ${safeText(root)}`,
    {
      value: safeText(p),
      hint: "Give paths in the folder, relative to its root (e.g. notes/todo.txt) or " +
        "absolute; no path overrides every path that differs.",
      exit: ExitCode.usage,
    },
  );
}

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
  );
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
  exits: [...WRITES.exits, 130],
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
    if (first.unknown.length > 0) {
      // A typo must not read as "every path already matches".
      // A path typed from the working folder (`docs/a.txt` beside docs) is
      // not the folder's: say which one it is from here.
      const fromHere = first.unknown
        .map((p) => relative(local.root, resolve(p)))
        .find((rel) => rel !== "" && relativePathProblem(rel) === undefined);
      throw new MycelError("bad_path", ACTION, "the folder has no such path", {
        value: safeText(first.unknown.join(", ")),
        hint: (fromHere === undefined
          ? ""
          : `Paths are relative to the folder's root (${safeText(local.root)}): from here, ` +
            `that is ${safeText(fromHere)}. `) +
          `See \`mycel folder status ${id}\`; a file new on this disk is in the folder once ` +
          `scanned (\`mycel folder scan ${id}\`).`,
        exit: ExitCode.usage,
      });
    }
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
          `${
            notArrived.length === 1 ? "it" : "them"
          } (still to come with \`mycel sync now\`, e.g. ` +
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
    return ExitCode.ok;
  },
};
