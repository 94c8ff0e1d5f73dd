/**
 * @module ignore_rules
 * Which paths a scan skips, in order:
 * 1. mycel's own files, always (folder_layout.ts: `.mycel/`, the marker,
 *    `.mycel-tmp-*`) — no rule can un-ignore them;
 * 2. `.mycelignore` at the folder root, gitignore syntax (the npm `ignore`
 *    package), synced to every device of the folder;
 * 3. `.mycel/ignore`, the same syntax, this device only (never synced). It
 *    is read after `.mycelignore`, so a `!pattern` there can also un-ignore
 *    something the shared file ignores, on this device.
 * Matching is case-sensitive on every device (as git on Linux).
 * Only the root's files count (no per-folder ignore files). Paths are the
 * folder-relative `a/b/c` of paths.ts; folders are matched with a trailing
 * `/`, so `build/` ignores the folder and everything below it.
 */

import ignore, { type Ignore } from "ignore";
import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { IGNORE_FILE_NAME, isInternalPath, LOCAL_IGNORE_PATH } from "./folder_layout.ts";

/** Largest ignore file read (a peer could sync a huge one). */
export const MAX_IGNORE_FILE_BYTES = 1 << 20;

/** A compiled set of rules. */
export interface IgnoreRules {
  /** True when the scan skips `path` (a folder when `isDir`). */
  isIgnored(path: string, isDir: boolean): boolean;
}

/** The rule texts, gitignore syntax. */
export interface IgnoreTexts {
  /** Content of `.mycelignore` (synced). */
  readonly shared?: string;
  /** Content of `.mycel/ignore` (this device only). */
  readonly local?: string;
}

/** Compile rules from their texts. */
export function compileIgnoreRules(texts: IgnoreTexts): IgnoreRules {
  // Case-sensitive everywhere, as git on Linux: the same rules must select
  // the same files on every device of the folder.
  const ig: Ignore = ignore({ ignorecase: false, allowRelativePaths: false });
  if (texts.shared !== undefined) ig.add(texts.shared);
  if (texts.local !== undefined) ig.add(texts.local);
  return {
    isIgnored(path: string, isDir: boolean): boolean {
      if (isInternalPath(path)) return true;
      return ig.ignores(isDir ? `${path}/` : path);
    },
  };
}

async function readOptional(path: string, what: string): Promise<string | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  if (!info.isFile || info.size > MAX_IGNORE_FILE_BYTES) {
    // Said as what it is: a link is never followed (it could point outside the folder).
    const is = info.isSymlink
      ? "is a symbolic link (never followed), not a file"
      : info.isDirectory
      ? "is a folder, not a file"
      : !info.isFile
      ? "is not a regular file"
      : "is larger than 1 MiB";
    throw new MycelError(
      "bad_ignore_file",
      "read ignore rules",
      `${what} ${is}`,
      {
        value: path,
        hint: "Make it a plain text file of patterns, or remove it.",
      },
    );
  }
  const bytes = await Deno.readFile(path);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new MycelError("bad_ignore_file", "read ignore rules", `${what} is not UTF-8 text`, {
      value: path,
      hint: "Save it as UTF-8 text, or remove it; the folder is stopped until then.",
    });
  }
}

/**
 * The rules of the folder at `root` (missing files mean no rules).
 * @throws MycelError `bad_ignore_file` for an ignore file that is not text
 * up to 1 MiB (the scan stops rather than sync what should be ignored)
 */
export async function loadIgnoreRules(root: string): Promise<IgnoreRules> {
  return compileIgnoreRules({
    shared: await readOptional(join(root, IGNORE_FILE_NAME), IGNORE_FILE_NAME),
    local: await readOptional(join(root, LOCAL_IGNORE_PATH), LOCAL_IGNORE_PATH),
  });
}
