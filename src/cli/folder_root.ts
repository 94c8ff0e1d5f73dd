/**
 * @module folder_root
 * The folder a device shares or joins, on its disk: checked (a real folder,
 * never a symbolic link), made when a join names a missing one, its
 * `.mycel-folder` marker written; and the token `folder remove` leaves in it
 * so a later join there starts from the index it kept (LEFT_TOKEN_PATH).
 */

import { resolve } from "node:path";
import { ExitCode, MycelError } from "../errors.ts";
import { INTERNAL_DIR, LEFT_TOKEN_PATH, MARKER_NAME, TEMP_PREFIX } from "../files/folder_layout.ts";
import { markerFolder, markerText } from "../files/folder_marker.ts";
import { isUnwritable } from "../files/disk_full.ts";
import { folderPathError, undecodedPathError } from "./folder_place.ts";
import { shellWord } from "../shell_word.ts";

export { shellWord };

/** The folder at `path`: made if missing (join), must be a real folder; its marker is written. */
export async function prepareRoot(path: string, create: boolean, id: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await makeRoot(abs, create, id);
  } catch (e) {
    // The user's folder, not the home: say so (it used to blame mycel.db).
    const action = create ? "join folder" : "share folder";
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new MycelError("permission_denied", action, "this user may not write into it", {
        value: abs,
        hint: "mycel writes its marker .mycel-folder and the files it receives there: " +
          "make the folder writable for this user, or pick another.",
        cause: e,
      });
    }
    if (isUnwritable(e) !== undefined) {
      throw new MycelError("read_only", action, "it is on a read-only disk", {
        value: abs,
        hint: "Remount the disk read-write, or pick another folder.",
        cause: e,
      });
    }
    if (e instanceof Deno.errors.NotFound) {
      // The folder was there a moment ago (makeRoot looked): its marker could not be made.
      throw new MycelError(
        "bad_folder",
        action,
        "its marker .mycel-folder could not be made there",
        {
          value: abs,
          hint: "The folder went away meanwhile, or its file system takes no new files (such as " +
            "/proc): pick a folder on a disk.",
          exit: ExitCode.usage,
          cause: e,
        },
      );
    }
    throw folderPathError(action, abs, e);
  }
}

async function makeRoot(abs: string, create: boolean, id: string): Promise<string> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.lstat(abs);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (info === undefined) {
    const undecoded = undecodedPathError(create ? "join folder" : "share folder", abs);
    if (undecoded !== undefined) throw undecoded;
    if (!create) {
      throw new MycelError("bad_folder", "share folder", "it does not exist", {
        value: abs,
        hint: "Check the path, or make the folder first (mkdir -p PATH).",
        exit: ExitCode.usage,
      });
    }
    await Deno.mkdir(abs, { recursive: true });
  } else if (info.isSymlink) {
    // Never followed (it could be re-pointed later); the folder it names can be used itself.
    const target = await Deno.realPath(abs).catch(() => undefined);
    const isDir = target !== undefined &&
      (await Deno.stat(target).catch(() => undefined))?.isDirectory === true;
    throw new MycelError("bad_folder", "use folder", "it is a symbolic link", {
      value: abs,
      hint: isDir
        ? `Use the folder it points to: mycel folder ${create ? `join ${id}` : "add"} ${
          shellWord(target!)
        }`
        : undefined,
      exit: ExitCode.usage,
    });
  } else if (!info.isDirectory) {
    throw new MycelError("bad_folder", "use folder", "it is not a folder", {
      value: abs,
      hint: "mycel syncs whole folders: give the folder to sync (one that holds this file, " +
        "or a new one).",
      exit: ExitCode.usage,
    });
  }
  const real = await Deno.realPath(abs);
  const path = `${real}/${MARKER_NAME}`;
  let found: Deno.FileInfo | undefined;
  try {
    found = await Deno.lstat(path);
  } catch {
    // The mode goes to open(2) only: a file system without permissions (FAT
    // through FUSE) refuses a chmod afterwards, which writeTextFile's mode does.
    using marker = await Deno.open(path, { write: true, createNew: true, mode: 0o644 });
    await marker.write(new TextEncoder().encode(markerText(id)));
  }
  // A marker left by a folder synced here before (removed since; a folder
  // still synced here was refused earlier) names that folder: it is made
  // this folder's, or `folder move` would later refuse the folder as
  // "another folder's". Replaced whole (a new file renamed over it).
  if (found?.isFile && found.size <= 4096) {
    const named = markerFolder(await Deno.readTextFile(path).catch(() => ""));
    if (named !== undefined && named !== id) {
      const temp = `${real}/${TEMP_PREFIX}marker-${crypto.randomUUID()}`; // never synced
      await Deno.writeTextFile(temp, markerText(id), { createNew: true });
      await Deno.rename(temp, path);
    }
  }
  return real;
}

/** A small regular file's text (never through a link); undefined when it is not one. */
async function smallText(path: string, max: number): Promise<string | undefined> {
  try {
    const info = await Deno.lstat(path);
    return info.isFile && info.size <= max ? await Deno.readTextFile(path) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The token `folder remove` wrote into the folder at `real`, when its marker
 * still names folder `id` (see LEFT_TOKEN_PATH).
 */
export async function leftToken(real: string, id: string): Promise<string | undefined> {
  const marker = await smallText(`${real}/${MARKER_NAME}`, 4096);
  if (marker === undefined || !ownMarker(marker, id)) return undefined;
  return (await smallText(`${real}/${LEFT_TOKEN_PATH}`, 200))?.trim() || undefined;
}

/**
 * A marker that is folder `id`'s: naming it, or naming none — an empty one,
 * as the stopped folder's hint `touch PATH/.mycel-folder` makes it, which
 * every scan takes as the folder's. Refused, such a folder left no token at
 * `folder remove`, and joined again there it started without its index: an
 * edit made while left became a conflict copy, deleted files came back. The
 * token itself is what ties the index to this folder and path (takeLeftIndex).
 */
function ownMarker(text: string, id: string): boolean {
  const named = markerFolder(text);
  return named === id || (named === undefined && text.trim() === "");
}

/** Remove a token `folder remove` wrote into `root`, and `.mycel/` when that leaves it empty. */
export async function dropLeftToken(root: string): Promise<void> {
  await Deno.remove(`${root}/${LEFT_TOKEN_PATH}`).catch(() => {});
  await Deno.remove(`${root}/${INTERNAL_DIR}`).catch(() => {}); // only when empty
}

/**
 * Write a new token into the folder `id` at `root` (undefined when it can't
 * be written, or the folder is not there: a folder moved away or a disk not
 * mounted is never made again just to hold a token).
 */
export async function writeLeftToken(root: string, id: string): Promise<string | undefined> {
  const marker = await smallText(`${root}/${MARKER_NAME}`, 4096);
  if (marker === undefined || !ownMarker(marker, id)) return undefined;
  const token = crypto.randomUUID();
  try {
    await Deno.mkdir(`${root}/${INTERNAL_DIR}`, { recursive: false }).catch((e) => {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    });
    const temp = `${root}/${INTERNAL_DIR}/${TEMP_PREFIX}left-${token}`;
    await Deno.writeTextFile(temp, `${token}\n`, { createNew: true });
    await Deno.rename(temp, `${root}/${LEFT_TOKEN_PATH}`);
    return token;
  } catch {
    return undefined; // unmounted or read-only: a join again starts without the index
  }
}
