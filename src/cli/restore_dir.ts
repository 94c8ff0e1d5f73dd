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
 * version of one file, so it is refused here. A file's versions are those
 * `folder versions FILE` lists, "now at" notes included (listed_under.ts):
 * one whose newest is a note is copied from where its content is, checked
 * by content, after those put back from kept copies (the note's path may be
 * one of them); before, such a file was not even counted (issue 13). Files
 * deleted under it with no version here (this device's own deletions,
 * mostly) are named, with where a copy is (restore_unkept.ts).
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
import { movedSource } from "./moved_source.ts";
import { type Unkept, unkeptHint, unkeptUnder } from "./restore_unkept.ts";

/** Where `rel` of the folder at `root` is: a folder to restore the files under. */
export interface DirToRestore {
  readonly folder: string;
  readonly root: string;
  readonly rel: string;
  /** The files under it with kept versions (versions_under.ts), and whether that list stopped early. */
  readonly files: ReadonlyMap<string, number>;
  readonly partial: boolean;
  /** Files deleted under it of which no version is kept here (restore_unkept.ts). */
  readonly unkept: readonly Unkept[];
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

/**
 * Put back the newest version of `rel`, from a checked copy when it is "now
 * at" another path (moved_source.ts); what it was copied from, if so.
 */
async function restoreOne(
  ctx: CommandContext,
  d: DirToRestore,
  rel: string,
  kept: ListedVersion,
): Promise<string | undefined> {
  const src = kept.moved === undefined
    ? undefined
    : await movedSource(ctx, d.folder, d.root, kept.moved);
  const { restoreVersion } = await lazyImport<typeof import("../files/restore_version.ts")>(
    new URL("../files/restore_version.ts", import.meta.url),
  );
  try {
    await restoreVersion(d.root, rel, { ...kept, path: src?.path ?? kept.path }, ctx.now());
  } finally {
    if (src?.temporary) await Deno.remove(join(d.root, src.path)).catch(() => {});
  }
  return src?.from;
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
  const { listedFilesUnder } = await lazyImport<typeof import("./listed_under.ts")>(
    new URL("./listed_under.ts", import.meta.url),
  );
  // Kept copies and "now at" notes both: a file whose only version is a
  // note was left out before, and not put back (issue 13).
  const { files, partial } = await listedFilesUnder(ctx, folder, root, rel);
  // And those deleted with no version here: named, not passed over.
  const unkept = await unkeptUnder(ctx, folder, rel, files, (p) => gone(root, p));
  return files.size === 0 && unkept.length === 0
    ? undefined
    : { folder, root, rel, files, partial, unkept };
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
  if (deleted.length === 0 && d.unkept.length === 0) {
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
  const restored: { path: string; kept: ListedVersion; from?: string }[] = [];
  const failed: { path: string; reason: string }[] = d.unkept.map((u) => ({
    path: u.path,
    reason: u.reason,
  }));
  const newest: { path: string; kept: ListedVersion }[] = [];
  for (const path of deleted) {
    const [kept] = await listedVersions(ctx, d.folder, d.root, path);
    if (kept !== undefined) newest.push({ path, kept }); // else its versions went meanwhile (pruned)
  }
  // Kept copies first: a version "now at" a path deleted under DIR too can
  // then be copied from that path, put back by then.
  const order = [
    ...newest.filter((f) => f.kept.moved === undefined),
    ...newest.filter((f) => f.kept.moved !== undefined),
  ];
  for (const { path, kept } of order) {
    try {
      restored.push({ path, kept, from: await restoreOne(ctx, d, path, kept) });
    } catch (e) {
      if (!isMycelError(e) || e.code === "sync_interrupted") throw e;
      failed.push({ path, reason: e.reason });
    }
  }
  const byPath = (a: { path: string }, b: { path: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  restored.sort(byPath);
  failed.sort(byPath);
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
      restored: restored.map(({ path, kept, from }) => ({
        path,
        kept: new Date(kept.keptAt).toISOString(),
        published: published(path),
        copied_from: from ?? null,
      })),
      not_restored: failed,
      on_disk: left,
      partial: d.partial,
    });
  } else {
    for (const { path, kept, from } of restored) {
      const how = [
        ...(from === undefined ? [] : [`its content, copied from ${safeText(from)}`]),
        ...(published(path) ? [] : ["ignored here: not published"]),
      ];
      ctx.out.line(
        `Restored ${safeText(path)} from ${localTime(kept.keptAt)}` +
          (how.length > 0 ? ` (${how.join("; ")}).` : "."),
      );
    }
    for (const f of failed) {
      ctx.out.error(`not restored: ${safeText(f.path)}: ${safeText(f.reason)}`);
    }
    const elsewhere = unkeptHint(d.unkept, where);
    if (elsewhere !== undefined) ctx.out.error(elsewhere);
    if (failed.length > d.unkept.length) {
      ctx.out.error(
        `Nothing was written for ${failed.length - d.unkept.length === 1 ? "it" : "those"}; ` +
          "`mycel folder versions FILE` lists a file's other versions, and " +
          "`mycel folder restore FILE --version N` puts one back.",
      );
    }
    const cut = await (await lazyImport<typeof import("./listed_under.ts")>(
      new URL("./listed_under.ts", import.meta.url),
    )).notesCutLine(ctx, d.folder);
    if (cut !== undefined) ctx.out.error(cut);
    ctx.out.line(
      (restored.length === 0
        ? `Restored nothing under ${where}: ${
          plural(failed.length, "deleted file")
        } could not be put back (above)`
        : `Restored ${
          plural(restored.length, "deleted file")
        } under ${where}, the newest version of each` +
          (failed.length > 0 ? `; ${failed.length} could not be (above)` : "")) +
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
