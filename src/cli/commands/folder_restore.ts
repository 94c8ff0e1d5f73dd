/**
 * @module folder_restore
 * `mycel folder restore PATH [--version N|TIME]` puts a kept version of a
 * file back (the current file is kept in turn) and publishes it as a
 * change — unless it is the file's content already: then nothing is put
 * back, and it is only published (the file touched, restore_touch.ts) when
 * the folder's state holds other content there, else nothing is done
 * (exit 0). Apart from `folder versions` (folder_versions.ts), which lists
 * them; which version --version names is folder_restore_choice.ts. A
 * version listed "now at b.txt" (a kept copy dropped for its content being
 * there: src/sync/moved_kept.ts) is put back from a checked copy of b.txt.
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import {
  type CommandContext,
  type CommandSpec,
  JSON_FLAG,
  type ParsedInput,
  WRITES,
} from "../command.ts";
import type { ListedVersion } from "../listed_versions.ts";
import { movedSource } from "../moved_source.ts";
import { join } from "node:path";
import { localTime } from "../../human.ts";
import { linkedReason, linkedTarget, locateFile } from "../folder_file.ts";
import { lazyImport } from "../../lazy_import.ts";
import { asWord } from "./folder_versions.ts";
import { pickKept, versionWanted } from "./folder_restore_choice.ts";
import { dirToRestore, restoreDir } from "../restore_dir.ts";
import { othersOverDisk, type OverDevice, overName, scanFolder } from "../restore_scan.ts";

/** `folder restore`. */
export const folderRestoreCommand: CommandSpec = {
  path: ["folder", "restore"],
  summary: "put a kept version of a file back (the current one is kept in turn), or a folder's " +
    "deleted files",
  args: [{
    name: "PATH",
    help: "a file in a synced folder, or a folder in it (a deleted one, say): every deleted file " +
      'under it with kept versions is put back, the newest version of each (one listed "now ' +
      "at\" another path is copied from there, checked by content); each that can't be is " +
      "named, and the exit code is 1",
    complete: "file",
  }],
  flags: [
    {
      name: "version",
      value: "N|TIME",
      help: "which kept version: its number (1 = newest, the default) or when it was kept, " +
        "as `folder versions` lists it or as `kept` of its --json",
    },
    JSON_FLAG,
  ],
  ...WRITES,
  // Ctrl-C during the scan that publishes the restored file (it stays restored).
  async run(ctx, input) {
    const { folder, root, rel, linked } = await locateFile(ctx, input.args.PATH as string);
    const given = input.flags.version as string | undefined;
    const wanted = versionWanted(given, input.args.PATH);
    if (linked !== undefined) {
      // Refused before the versions are looked at: whatever they are, putting
      // one back writes through the link (restore_version.ts checks again
      // right before it writes, for a link made meanwhile).
      const target = linkedTarget(root, rel, linked);
      throw new MycelError("unsafe_path", "restore file", linkedReason(linked), {
        value: rel,
        hint: "mycel never writes through a link" +
          (target === undefined
            ? ""
            : `; the file it leads to is restored with \`mycel folder restore ${
              asWord(target)
            }\``) +
          `. To put back ${safeText(rel)}, move the link ${safeText(linked.at)} aside first, ` +
          "then restore again; nothing was changed.",
        exit: ExitCode.failure,
      });
    }
    // A folder (a deleted one, say): every deleted file under it (restore_dir.ts).
    const dir = await dirToRestore(ctx, folder, root, rel);
    if (dir !== undefined) {
      return await restoreDir(ctx, dir, {
        json: input.flags.json === true,
        version: given,
        path: input.args.PATH,
      });
    }
    const { n, kept: listed } = await pickKept(
      ctx,
      folder,
      root,
      rel,
      wanted,
      given,
      input.args.PATH,
    );
    // A version noted "now at b.txt": b.txt's bytes, copied and checked by
    // content, are what is put back, as a kept copy would be; or, b.txt
    // changed since, a kept copy of b.txt holding them (moved_source.ts).
    const src = listed.moved === undefined
      ? undefined
      : await movedSource(ctx, folder, root, listed.moved);
    try {
      return await restoreKept(ctx, input, {
        folder,
        root,
        rel,
        n,
        // Its `moved.at` what it was copied from, as the output says it.
        kept: src === undefined
          ? listed
          : { ...listed, path: src.path, moved: { ...listed.moved!, at: src.from } },
      });
    } finally {
      if (src?.temporary) await Deno.remove(join(root, src.path)).catch(() => {});
    }
  },
};

/** Put back `kept`, version `n` of `rel` (see the module comment); the exit code. */
async function restoreKept(
  ctx: CommandContext,
  input: ParsedInput,
  { folder, root, rel, n, kept }: {
    folder: string;
    root: string;
    rel: string;
    n: number;
    kept: ListedVersion;
  },
): Promise<number> {
  // Already the file's content: putting it back would keep one more
  // identical copy and publish a change nobody made (issue 13) — unless
  // the state holds other content there (a newer version from another
  // device not fetched here yet, say): then the next round would put that
  // in its place, and the restore goes on to be published over it.
  const { keptIsCurrent } = await lazyImport<typeof import("../../files/kept_same.ts")>(
    new URL("../../files/kept_same.ts", import.meta.url),
  );
  let over: OverDevice[] | undefined;
  if (await keptIsCurrent(root, rel, kept)) {
    // Scanned first: the index then says what the disk holds.
    await scanFolder(ctx, folder, rel, "restore file");
    over = await othersOverDisk(ctx, folder, rel);
    if (over.length === 0) {
      if (input.flags.json) {
        ctx.out.json({
          path: rel,
          version: n,
          kept: new Date(kept.keptAt).toISOString(),
          restored: false,
          published: false,
          replaced_kept_as: null,
          published_over: [],
        });
      } else {
        ctx.out.line(
          `${safeText(rel)} already holds version ${n} (kept ${localTime(kept.keptAt)}): ` +
            "it is already the file's content; nothing restored, nothing published.",
        );
      }
      return ExitCode.ok;
    }
  }
  // Its bytes there already: only the mtime moves, which is what publishes
  // it and makes it win (restore_touch.ts; loaded only then: node:fs costs
  // ~30 ms to load), not a copy written and one more identical copy kept —
  // unless it can't be touched, or changed meanwhile.
  const touched = over !== undefined &&
    await (await lazyImport<typeof import("../../files/restore_touch.ts")>(
      new URL("../../files/restore_touch.ts", import.meta.url),
    )).touchRestored(root, rel, kept, ctx.now());
  let replacedAs: string | null = null;
  if (!touched) {
    const { restoreVersion } = await lazyImport<
      typeof import("../../files/restore_version.ts")
    >(new URL("../../files/restore_version.ts", import.meta.url));
    replacedAs = await restoreVersion(root, rel, kept, ctx.now());
  }
  await scanFolder(ctx, folder, rel, "publish the restored file", [rel]);
  // A path this device ignores is never published: restored here only, and said so.
  const { loadIgnoreRules } = await lazyImport<typeof import("../../files/ignore_rules.ts")>(
    new URL("../../files/ignore_rules.ts", import.meta.url),
  );
  const rules = await loadIgnoreRules(root).catch(() => undefined);
  const published = !(rules?.isIgnored(rel, false) ?? false);
  if (input.flags.json) {
    ctx.out.json({
      path: rel,
      version: n,
      kept: new Date(kept.keptAt).toISOString(),
      restored: true,
      published,
      replaced_kept_as: replacedAs,
      // The path its content was copied from (a version listed "now at"), else null.
      copied_from: kept.moved?.at ?? null,
      // Whose versions (with other content) these bytes, the file's already, were published over.
      published_over: published && over !== undefined ? over : [],
    });
  } else {
    ctx.out.line(
      `Restored ${safeText(rel)} from ${localTime(kept.keptAt)}` +
        (kept.moved === undefined
          ? "."
          : ` (its content, copied from ${safeText(kept.moved.at)}).`),
    );
    if (over !== undefined && published) {
      ctx.out.line(
        `It held those bytes already, but the folder has another version of it (from ${
          over.map(overName).join(", ")
        }) not on this disk yet: the restore is published over it.`,
      );
    }
    if (replacedAs !== null) {
      ctx.out.line(`The file it replaced is kept as ${safeText(replacedAs)}.`);
    }
    if (!published) {
      ctx.out.error(
        `${safeText(rel)} is ignored on this device (.mycelignore or .mycel/ignore): ` +
          "restored here only, not published to other devices.",
      );
    }
  }
  return ExitCode.ok;
}
