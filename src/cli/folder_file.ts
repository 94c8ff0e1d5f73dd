/**
 * @module folder_file
 * A file's path on the command line (`folder versions PATH`, `folder
 * restore PATH`) as the synced folder holding it and the path inside it.
 *
 * Links outside the folder are the user's ways to it (/tmp on macOS, a
 * linked home, a shortcut into the folder) and are resolved. Below the
 * folder's root the path is taken in the folder's terms, name by name,
 * never following a link: mycel syncs a link as a link, so `notes/a.txt`
 * with `notes -> archive` is not `archive/a.txt` — its kept versions are
 * those kept for `notes/a.txt` (from when notes was a folder), the ones a
 * user whose `notes` became a link, in the folder or out of it, still needs
 * to reach. Before, every link on the way was resolved: `folder restore`
 * replaced `archive/a.txt`, or a file of another synced folder, and the
 * versions kept under a link out of the folder could not be named at all.
 * The link found on the way is returned for the commands to say (or refuse).
 */

import { basename, dirname, join, relative, resolve } from "node:path";
import { ExitCode, MycelError } from "../errors.ts";
import { type LinkedParent, linkedParent } from "../files/linked_parent.ts";
import { relativePathProblem } from "../files/paths.ts";
import type { CommandContext } from "./command.ts";
import { checkPathArg, plannedRealPath } from "./folder_place.ts";
import { withRead } from "./session.ts";

/** A file in a synced folder, as the commands name it. */
export interface FileInFolder {
  /** The folder's id. */
  readonly folder: string;
  /** The folder's root (real path). */
  readonly root: string;
  /** The path in the folder's terms (no link below the root followed). */
  readonly rel: string;
  /** A symbolic link among the folders on the way to `rel`, if any. */
  readonly linked?: LinkedParent;
}

/** `path`'s real path (a missing end planned: folder_place.ts), or `path` when it can't be found. */
function realOr(path: string): string {
  try {
    return plannedRealPath(path);
  } catch {
    return path;
  }
}

/**
 * `path` with the links on the way followed only outside synced folders
 * (`inside`), and never a folder's root as shared (`isRoot`: a folder moved
 * and linked back is named by that path): past a root, names are taken as
 * they are. realpath follows every link, so a shortcut from outside to a
 * link inside a folder (`docs/notes -> ../more/sub`) led into another
 * folder, whose file a restore then replaced (found by a review). A part
 * that does not exist ends the walk: the rest is appended as given.
 */
function realOutside(
  path: string,
  inside: (p: string) => boolean,
  isRoot: (p: string) => boolean,
  hops = 0,
): string {
  let at = "/";
  const names = path.split("/").filter((n) => n !== "");
  for (const [i, name] of names.entries()) {
    const next = join(at, name);
    if (inside(at) || isRoot(next)) {
      at = next;
      continue;
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(next);
    } catch {
      return join(next, ...names.slice(i + 1));
    }
    // 40 links on one walk, as the kernel's limit: a loop ends as a name.
    at = info.isSymlink && hops < 40
      ? realOutside(resolve(at, Deno.readLinkSync(next)), inside, isRoot, hops + 1)
      : next;
  }
  return at;
}

/**
 * The synced folder holding `path` and the path inside it. With `root`,
 * the folder's root itself is taken too (`rel` ""): `folder versions` of
 * the root lists the files under it, as of any folder in it.
 */
export async function locateFile(
  ctx: CommandContext,
  path: string,
  o: { root?: boolean } = {},
): Promise<FileInFolder> {
  checkPathArg("find file", path);
  // Plain names from here: resolve leaves no "." or "..".
  const abs = resolve(path);
  const folders = await withRead(ctx, (home) => home.folderLocal.folders());
  const inFolder = (real: string) =>
    folders.find((f) => real === f.root || real.startsWith(f.root + "/"));
  // Down from the top, the first folder on the way whose real path is in a
  // synced folder (folders never nest: folder_place.ts) is where the
  // folder's terms begin; the names below it are kept as given. The file
  // itself is never followed (a kept link is the link's versions). A
  // folder moved and linked back from where it was shared is still synced
  // through the link (restore_version.ts writes to its real path): its
  // path as shared names it too (before, "not inside a folder synced here").
  const isRoot = (p: string) => folders.some((f) => f.root === p);
  const names = abs.split("/").filter((n) => n !== "");
  for (let i = 1; i < names.length; i++) {
    const at = `/${names.slice(0, i).join("/")}`;
    const real = realOutside(at, (p) => inFolder(p) !== undefined, isRoot);
    const inside = inFolder(real);
    const hit = inside ?? folders.find((f) => at === f.root);
    if (hit === undefined) continue;
    const top = inside === undefined ? "" : relative(hit.root, real);
    const rel = [top, ...names.slice(i)].filter((n) => n !== "").join("/");
    return {
      folder: hit.folder,
      root: hit.root,
      rel: checked(hit.folder, rel, abs),
      ...linked(realOr(hit.root), rel),
    };
  }
  const itself = folders.find((f) =>
    abs === f.root || join(realOr(dirname(abs)), basename(abs)) === f.root
  );
  if (itself !== undefined && o.root) {
    return { folder: itself.folder, root: itself.root, rel: "" };
  }
  if (itself !== undefined) {
    throw new MycelError(
      "not_in_folder",
      "find file",
      `it is the synced folder ${itself.folder} itself, not a file in it`,
      {
        value: abs,
        hint: "Give the path of a file inside it.",
        exit: ExitCode.usage,
      },
    );
  }
  throw new MycelError("not_in_folder", "find file", "it is not inside a folder synced here", {
    value: abs,
    hint: "See `mycel folder list` for where the folders are.",
    exit: ExitCode.usage,
  });
}

/** `{ linked }` when a folder on the way to `rel` (in the folder at real path `root`) is a link. */
function linked(root: string, rel: string): { linked?: LinkedParent } {
  const l = linkedParent(root, rel);
  return l === undefined ? {} : { linked: l };
}

/** `rel`, refused when it is a name mycel never syncs (so it has no versions). */
function checked(folder: string, rel: string, abs: string): string {
  const problem = relativePathProblem(rel);
  if (problem === undefined) return rel;
  // The user's mistake, named as such (it was "Cannot accept path", exit 1,
  // with a hint about relative paths).
  throw new MycelError("not_synced", "find file", `mycel does not sync it, as ${problem}`, {
    value: abs,
    hint: `Only files folder ${folder} syncs have kept versions ` +
      `(\`mycel folder status ${folder}\` lists the names it can't sync).`,
    exit: ExitCode.usage,
  });
}

/** What the link on the way is, as said by both commands: "notes is a symbolic link …". */
export function linkedReason(l: LinkedParent): string {
  if (l.outside) return `${l.at} is a symbolic link to outside the folder`;
  if (l.into === undefined) return `${l.at} is a symbolic link in the folder`;
  return `${l.at} is a symbolic link in the folder (to ${l.into === "" ? "its root" : l.into})`;
}

/**
 * The absolute path of the file `rel` leads to through the link `l` when
 * that is a place the folder syncs (for the hints), else undefined.
 */
export function linkedTarget(root: string, rel: string, l: LinkedParent): string | undefined {
  if (l.into === undefined) return undefined;
  const target = join(root, l.into, relative(l.at, rel));
  return relativePathProblem(relative(root, target)) === undefined ? target : undefined;
}
