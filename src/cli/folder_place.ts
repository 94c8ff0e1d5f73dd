/**
 * @module folder_place
 * Where a synced folder may be: not in the mycel home nor around it (its
 * keys and database would be published with the folder's files — found by
 * running mycel: a folder shared one level above the home sent `keys.cbor`
 * to every device that joined it), and not inside or around another folder
 * synced here (the same files would be published twice, with two sets of
 * versions, and the inner folder's `.mycel/` with them). `folder add`,
 * `join` and `move` check before anything is written; the scan leaves such
 * folders out besides (src/files/scan.ts), for folders shared before this
 * check.
 */

import { dirname, join, relative, resolve } from "node:path";
import { ExitCode, MycelError } from "../errors.ts";
import { safeText } from "../text_safety.ts";

/**
 * Why a folder's path can't be looked up, in words, for the failures a user
 * can cause by the path alone (undefined for any other: it is not theirs).
 * Before, these surfaced as "internal error: Not a directory (os error 20)".
 */
export function pathLookupProblem(e: unknown): string | undefined {
  if (e instanceof Deno.errors.NotADirectory) return "a part of its path is a file, not a folder";
  if (e instanceof Deno.errors.FilesystemLoop) return "its path loops through symbolic links";
  if (e instanceof Deno.errors.PermissionDenied) {
    return "this user may not look into a folder on its path";
  }
  if ((e as { code?: unknown })?.code === "ENAMETOOLONG") {
    return "the path, or a name in it, is too long";
  }
  return undefined;
}

/**
 * The error for a folder path not found that holds U+FFFD: the runtime
 * decodes a command line's bytes that are not UTF-8 so, and the folder the
 * user named is not at that spelling. Before, `folder add` said "it does not
 * exist", and `folder join` made a new folder under the mangled name and
 * synced into it, beside the user's. (A folder really spelled with U+FFFD is
 * found, and used.)
 */
export function undecodedPathError(action: string, abs: string): MycelError | undefined {
  if (!abs.includes("\uFFFD")) return undefined;
  return new MycelError(
    "bad_folder",
    action,
    "its path is not valid UTF-8, so mycel can't use it",
    {
      value: abs,
      hint: "Rename the folder (and any folder above it whose name is not UTF-8) to a UTF-8 " +
        "name, then run this again.",
      exit: ExitCode.usage,
    },
  );
}

/** `e` as the named error of `action` on the folder at `abs` when the path caused it (else `e`). */
export function folderPathError(action: string, abs: string, e: unknown): unknown {
  const problem = pathLookupProblem(e);
  if (problem === undefined) return e;
  const permission = e instanceof Deno.errors.PermissionDenied;
  return new MycelError(permission ? "permission_denied" : "bad_folder", action, problem, {
    value: abs,
    hint: permission
      ? "Pick a folder this user can open, or run mycel as the user who owns it."
      : undefined,
    exit: permission ? ExitCode.failure : ExitCode.usage,
    cause: e,
  });
}

/**
 * The real path `path` has, or will have once made (its nearest existing
 * parent resolved). A path that can't be looked up is `action`'s named error.
 */
export function plannedRealPath(path: string, action = "use folder"): string {
  const abs = resolve(path);
  let rest = "";
  for (let at = abs;; at = dirname(at)) {
    try {
      const real = Deno.realPathSync(at);
      return rest === "" ? real : join(real, rest);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound) || dirname(at) === at) {
        throw folderPathError(action, abs, e);
      }
      rest = rest === "" ? relative(dirname(at), at) : join(relative(dirname(at), at), rest);
    }
  }
}

/**
 * Refuse a PATH that is empty or starts with `~` (`~/Documents`, `~bob/x`),
 * before anything is looked at. Empty (an unset variable in a script:
 * `mycel folder join ID "$DIR"`) it resolved to the working folder, which
 * was then shared or joined — its files published to every device. `~` only
 * a shell expands, and only unquoted; quoted (or from a script or unit
 * file) it named a folder called `~` under the working folder, which
 * `folder join` made — and `rm -r ~` to clean that up removes the user's
 * home. Both found by running mycel. A folder really named `~` is still
 * reachable as `./~`, the working folder as `.`.
 */
export function checkPathArg(action: string, path: string): void {
  if (path === "") {
    throw new MycelError("bad_folder", action, "the path is empty", {
      value: '""',
      hint: "Give the path (a variable not set gives an empty one; the working folder is `.`).",
      exit: ExitCode.usage,
    });
  }
  const m = /^~([^/]*)(\/.*)?$/.exec(path);
  if (m === null) return;
  const rest = (m[2] ?? "").replace(/^\/+/, "");
  const example = m[1] !== "" ? "" : `, such as $HOME${rest === "" ? "" : `/${safeText(rest)}`}`;
  throw new MycelError("bad_folder", action, "mycel does not expand ~ (only a shell does)", {
    value: path,
    hint: `Give the full path${example} (a shell expands $HOME, and ~ when not quoted); ` +
      `for a name here that starts with ~: ./${safeText(path)}`,
    exit: ExitCode.usage,
  });
}

/** True when `inner` is `outer` or lies inside it (both real, absolute). */
function within(inner: string, outer: string): boolean {
  const r = relative(outer, inner);
  // "..x" is a name inside; only ".." itself or "../…" climbs out.
  return r === "" || (r !== ".." && !r.startsWith("../") && !r.startsWith("/"));
}

/**
 * Refuse `root` (real) as a synced folder's place when it holds or lies in
 * the home, or holds or lies in another synced folder (`others`, except `self`).
 */
export function checkFolderPlace(
  action: string,
  root: string,
  home: string,
  others: readonly { folder: string; root: string }[],
  self?: string,
): void {
  const refuse = (reason: string, hint: string) =>
    new MycelError("bad_folder", action, reason, { value: root, hint, exit: ExitCode.usage });
  if (within(root, home)) {
    throw refuse("it is inside the mycel home", "Pick a folder outside " + home + ".");
  }
  if (within(home, root)) {
    throw refuse(
      "it holds the mycel home (its private keys and database would be synced)",
      `Pick a folder that does not hold ${home}, or move the home (MYCEL_HOME).`,
    );
  }
  for (const o of others) {
    if (o.folder === self) continue;
    if (root === o.root) {
      // Named: most often it is the very folder given again, not "another".
      throw new MycelError("already_shared", action, `folder ${o.folder} is synced there already`, {
        value: root,
        hint: "One place syncs one folder: pick another path (see `mycel folder list`).",
        exit: ExitCode.usage,
      });
    }
    if (within(root, o.root)) {
      throw refuse(
        `it is inside folder ${o.folder}, synced here at ${o.root}`,
        "Its files already sync with that folder.",
      );
    }
    if (within(o.root, root)) {
      throw refuse(
        `it holds folder ${o.folder}, synced here at ${o.root}`,
        "A folder can't hold another synced folder: pick one that does not.",
      );
    }
  }
}
