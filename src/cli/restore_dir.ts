/**
 * @module restore_dir
 * `mycel folder restore DIR`: a folder in a synced folder (a deleted one,
 * say) puts back every deleted file under it that has a kept version, the
 * newest of each, each file on its own (restore_version.ts writes each
 * atomically; one that can't be put back is said and the others go on),
 * then one scan publishes them all. Files still on disk under it are left as
 * they are: restoring a folder brings back what went, it does not roll the
 * rest back. Before, a folder was refused ("restore each file") and a
 * deleted folder of 40 files took 40 commands (issue 13). --version names a
 * version of one file, so it is refused here.
 */

import { join } from "node:path";
import { ExitCode, isMycelError, MycelError } from "../errors.ts";
import { localTime, plural } from "../human.ts";
import { lazyImport } from "../lazy_import.ts";
import { safeText } from "../text_safety.ts";
import type { CommandContext } from "./command.ts";
import type { ListedVersion } from "./listed_versions.ts";
import { asWord } from "./commands/folder_versions.ts";
import { scanFolder } from "./restore_scan.ts";
import { withRead } from "./session.ts";

/** Where `rel` of the folder at `root` is: a folder to restore the files under. */
export interface DirToRestore {
  readonly folder: string;
  readonly root: string;
  readonly rel: string;
  /** The files under it with kept versions (versions_under.ts), and whether that list stopped early. */
  readonly files: ReadonlyMap<string, number>;
  readonly partial: boolean;
}

/** Whether the path is gone from disk (a folder or file of another kind in its place is not). */
async function gone(root: string, rel: string): Promise<boolean> {
  try {
    await Deno.lstat(join(root, rel));
    return false;
  } catch (e) {
    // A file where a folder on the way was: restore_version.ts names that.
    return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory;
  }
}

/** Put back the newest version of `rel`, from a checked copy when it is "now at" another path. */
async function restoreOne(
  ctx: CommandContext,
  d: DirToRestore,
  rel: string,
  kept: ListedVersion,
): Promise<void> {
  const staged = kept.moved === undefined
    ? undefined
    : await withRead(ctx, async (home) =>
      await (await lazyImport<typeof import("../sync/moved_kept_stage.ts")>(
        new URL("../sync/moved_kept_stage.ts", import.meta.url),
      )).stageMovedContent(home, d.folder, d.root, kept.moved!));
  const { restoreVersion } = await lazyImport<typeof import("../files/restore_version.ts")>(
    new URL("../files/restore_version.ts", import.meta.url),
  );
  try {
    await restoreVersion(d.root, rel, { ...kept, path: staged ?? kept.path }, ctx.now());
  } finally {
    if (staged !== undefined) await Deno.remove(join(d.root, staged)).catch(() => {});
  }
}

/**
 * `rel` as a folder to restore: it has no kept versions of its own and files
 * under it have (else undefined: a file, restored as one).
 */
export async function dirToRestore(
  ctx: CommandContext,
  folder: string,
  root: string,
  rel: string,
): Promise<DirToRestore | undefined> {
  const { listedVersions } = await lazyImport<typeof import("./listed_versions.ts")>(
    new URL("./listed_versions.ts", import.meta.url),
  );
  if ((await listedVersions(ctx, folder, root, rel)).length > 0) return undefined;
  const { keptFilesUnder } = await lazyImport<typeof import("../files/versions_under.ts")>(
    new URL("../files/versions_under.ts", import.meta.url),
  );
  const { files, partial } = await keptFilesUnder(root, rel);
  return files.size === 0 ? undefined : { folder, root, rel, files, partial };
}

/** `folder restore DIR` (see the module comment); the exit code: 1 when a file could not be put back. */
export async function restoreDir(
  ctx: CommandContext,
  d: DirToRestore,
  o: { json: boolean; version: string | undefined; path: unknown },
): Promise<number> {
  const where = d.rel === "" ? "the folder" : safeText(d.rel);
  if (o.version !== undefined) {
    throw new MycelError("bad_version", "restore folder", "--version names a version of one file", {
      value: d.rel,
      hint:
        `\`mycel folder restore ${
          asWord(o.path)
        }\` puts back the newest version of each deleted file under it; ` +
        `one file's older version: \`mycel folder restore FILE --version N\`.`,
      exit: ExitCode.usage,
    });
  }
  const deleted: string[] = [];
  for (const path of d.files.keys()) if (await gone(d.root, path)) deleted.push(path);
  if (deleted.length === 0) {
    throw new MycelError(
      "nothing_to_restore",
      "restore folder",
      `every file under it with kept versions (${plural(d.files.size, "file")}) is on disk`,
      {
        value: d.rel,
        hint: `\`mycel folder versions ${asWord(o.path)} --files\` lists them; ` +
          "`mycel folder restore FILE --version N` puts an older version of one back.",
      },
    );
  }
  const { listedVersions } = await lazyImport<typeof import("./listed_versions.ts")>(
    new URL("./listed_versions.ts", import.meta.url),
  );
  const restored: { path: string; kept: ListedVersion }[] = [];
  const failed: { path: string; reason: string }[] = [];
  for (const path of deleted) {
    const [kept] = await listedVersions(ctx, d.folder, d.root, path);
    if (kept === undefined) continue; // its kept copies went meanwhile (pruned)
    try {
      await restoreOne(ctx, d, path, kept);
      restored.push({ path, kept });
    } catch (e) {
      if (!isMycelError(e) || e.code === "sync_interrupted") throw e;
      failed.push({ path, reason: e.reason });
    }
  }
  if (restored.length > 0) {
    await scanFolder(
      ctx,
      d.folder,
      d.rel,
      "publish the restored files",
      restored.map((r) => r.path),
    );
  }
  const { loadIgnoreRules } = await lazyImport<typeof import("../files/ignore_rules.ts")>(
    new URL("../files/ignore_rules.ts", import.meta.url),
  );
  const rules = await loadIgnoreRules(d.root).catch(() => undefined);
  const published = (p: string) => !(rules?.isIgnored(p, false) ?? false);
  const left = d.files.size - deleted.length;
  if (o.json) {
    ctx.out.json({
      path: d.rel,
      restored: restored.map(({ path, kept }) => ({
        path,
        kept: new Date(kept.keptAt).toISOString(),
        published: published(path),
        copied_from: kept.moved?.at ?? null,
      })),
      not_restored: failed,
      on_disk: left,
      partial: d.partial,
    });
  } else {
    for (const { path, kept } of restored) {
      ctx.out.line(
        `Restored ${safeText(path)} from ${localTime(kept.keptAt)}` +
          (published(path) ? "." : " (ignored here: not published)."),
      );
    }
    for (const f of failed) {
      ctx.out.error(`not restored: ${safeText(f.path)}: ${safeText(f.reason)}`);
    }
    ctx.out.line(
      `Restored ${
        plural(restored.length, "deleted file")
      } under ${where}, the newest version of each` +
        (failed.length > 0 ? `; ${failed.length} could not be (above)` : "") +
        (left > 0
          ? `; ${plural(left, "file")} with kept versions still on disk, left as ${
            left === 1 ? "it is" : "they are"
          }`
          : "") +
        (d.partial ? "; only the first kept copies were read: run it again for more" : "") +
        ".",
    );
  }
  return failed.length > 0 ? ExitCode.failure : ExitCode.ok;
}
