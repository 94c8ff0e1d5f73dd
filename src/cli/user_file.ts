/**
 * @module user_file
 * A file the user named on the command line (`config import FILE`, `keys
 * export FILE`, `keys import FILE`): why it could not be read or written,
 * in words, for the command's own named error — never the runtime's text
 * with "os error 21" and an "internal error" around it.
 */

import { ExitCode, MycelError } from "../errors.ts";
import { isDiskFull, isUnwritable } from "../files/disk_full.ts";

/** Why reading (or writing) a file failed, in a few words. */
export function fileProblem(e: unknown, op: "read" | "write" = "read"): string {
  const text = String(e);
  if (e instanceof Deno.errors.NotFound) {
    return op === "read" ? "no such file" : "its folder does not exist";
  }
  if (e instanceof Deno.errors.IsADirectory || /\(os error 21\)/.test(text)) {
    return "it is a folder, not a file";
  }
  if (/\(os error 20\)/.test(text)) return "a part of its path is not a folder";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (isUnwritable(e) !== undefined) return "the disk is read-only";
  if (isDiskFull(e)) return "the disk is full";
  if (/\(os error 36\)/.test(text)) return "the name is too long";
  return (e as Error).message ?? text;
}

/**
 * Refuse an empty name, one naming a folder, or a new file in a folder that
 * does not exist, before anything is asked or written (a passphrase prompt
 * first, then "it is a folder", wastes the user's typing).
 */
export async function checkFileName(path: string, action: string): Promise<void> {
  if (path === "") {
    throw new MycelError("bad_path", action, "the file name is empty", { exit: ExitCode.usage });
  }
  const info = await Deno.stat(path).catch(() => undefined);
  if (info?.isDirectory) {
    throw new MycelError("bad_path", action, "it is a folder, not a file", {
      value: path,
      exit: ExitCode.usage,
    });
  }
  if (info !== undefined) return;
  // A new file: its folder must be there (before, found only when writing).
  const slash = path.lastIndexOf("/");
  const folder = slash < 0 ? "." : path.slice(0, slash) || "/";
  const parent = await Deno.stat(folder).catch((e) => e instanceof Deno.errors.NotFound ? null : e);
  if (parent instanceof Error) return; // the write says why (permission denied, …)
  if (parent === null || !parent.isDirectory) {
    const reason = parent === null
      ? "its folder does not exist"
      : "a part of its path is not a folder";
    throw new MycelError("bad_path", action, reason, { value: path, exit: ExitCode.usage });
  }
}
