/**
 * @module folder_override_paths
 * The paths `mycel folder override ID PATH...` names (folder_override.ts):
 * relative to the folder's root, or absolute and in the folder (as the
 * shell completes them, also through a link on the way, as `folder
 * versions` and `restore` take them); and a path the folder has not, said
 * as such — a typo must not read as "every path already matches".
 */

import { isAbsolute, relative, resolve } from "node:path";
import { ExitCode, MycelError } from "../../errors.ts";
import { relativePathProblem } from "../../files/paths.ts";
import { lazyImport } from "../../lazy_import.ts";
import { safeText } from "../../text_safety.ts";
import type { CommandContext } from "../command.ts";

const ACTION = "override folder";

/**
 * The paths named on the command line, checked (folder-relative, no `..`).
 * An absolute path in the folder at `root` is taken as the path in it: the
 * shell completes one, and `folder versions` and `restore` take them (it was
 * refused as "absolute" with a hint to give what it already named).
 */
export async function onlyPaths(
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

/**
 * The error for `unknown` paths the folder at `root` has not. A path typed
 * from the working folder (`docs/a.txt` beside docs) is not the folder's:
 * it says which one it is from here.
 */
export function noSuchPaths(id: string, root: string, unknown: readonly string[]): MycelError {
  const fromHere = unknown
    .map((p) => relative(root, resolve(p)))
    .find((rel) => rel !== "" && relativePathProblem(rel) === undefined);
  return new MycelError("bad_path", ACTION, "the folder has no such path", {
    value: safeText(unknown.join(", ")),
    hint: (fromHere === undefined
      ? ""
      : `Paths are relative to the folder's root (${safeText(root)}): from here, ` +
        `that is ${safeText(fromHere)}. `) +
      `See \`mycel folder status ${id}\`; a file new on this disk is in the folder once ` +
      `scanned (\`mycel folder scan ${id}\`).`,
    exit: ExitCode.usage,
  });
}
