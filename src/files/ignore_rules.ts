/**
 * @module ignore_rules
 * Which paths a scan skips, in order:
 * 1. mycel's own files, always (folder_layout.ts: `.mycel/`, the marker,
 *    `.mycel-tmp-*`) — no rule can un-ignore them;
 * 2. `.mycelignore` at the folder root, gitignore syntax, synced to every
 *    device of the folder;
 * 3. `.mycel/ignore`, the same syntax, this device only (never synced). It
 *    is read after `.mycelignore`, so a `!pattern` there can also un-ignore
 *    something the shared file ignores, on this device.
 * Matching is case-sensitive on every device (as git on Linux).
 * Only the root's files count (no per-folder ignore files). Paths are the
 * folder-relative `a/b/c` of paths.ts; folders are matched with a trailing
 * `/`, so `build/` ignores the folder and everything below it.
 *
 * `.mycelignore` comes from any member device, so a hostile one writes it.
 * The matcher is mycel's own (gitignore_*.ts), meaning what the npm `ignore`
 * package meant, but with no backtracking: a path costs at most its length
 * times the size of the patterns with wildcards or folders in them, and
 * both are bounded (paths.ts, and the limits here), where one line could
 * freeze every device's scan for minutes before.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { IGNORE_FILE_NAME, isInternalPath, LOCAL_IGNORE_PATH } from "./folder_layout.ts";
import { readRuleLines } from "./gitignore_lines.ts";
import { compilePattern } from "./gitignore_pattern.ts";
import { GitignoreSet, isPlainName, type SetRule } from "./gitignore_set.ts";

/** Largest ignore file read (a peer could sync a huge one). */
export const MAX_IGNORE_FILE_BYTES = 1 << 20;

/** Most rules one ignore file may hold (a long real one has a few hundred). */
export const MAX_IGNORE_RULES = 10_000;

/**
 * Most characters one ignore file may spend on rules that are not a plain
 * name (those with wildcards or a `/`): each costs up to its length per
 * character of a path, so this bounds what one path can cost (about 0.1 s
 * for a 4096-byte path at the limit; a long real file spends a few thousand).
 */
export const MAX_PATTERN_CHARS = 8_192;

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

function readRules(text: string, name: string, value: string): SetRule[] {
  const rules: SetRule[] = [];
  let chars = 0;
  const tooMuch = (what: string) =>
    new MycelError("bad_ignore_file", "read ignore rules", `${name} has more than ${what}`, {
      value,
      hint: "Keep the rules that are needed (plain names cost least), or remove the file.",
    });
  for (const line of readRuleLines(text)) {
    if (rules.length === MAX_IGNORE_RULES) {
      throw tooMuch(`${MAX_IGNORE_RULES.toLocaleString("en")} rules`);
    }
    const pattern = compilePattern(line.body);
    if (pattern !== null && !isPlainName(pattern)) chars += line.body.length;
    if (chars > MAX_PATTERN_CHARS) {
      throw tooMuch(
        `${
          MAX_PATTERN_CHARS.toLocaleString("en")
        } characters of patterns with wildcards or folders`,
      );
    }
    rules.push({ negative: line.negative, pattern });
  }
  return rules;
}

/**
 * Compile rules from their texts.
 * @throws MycelError `bad_ignore_file` for a file over the limits above
 * (`where`: the files' paths, for that message)
 */
export function compileIgnoreRules(
  texts: IgnoreTexts,
  where: { shared?: string; local?: string } = {},
): IgnoreRules {
  // Case-sensitive everywhere, as git on Linux: the same rules must select
  // the same files on every device of the folder.
  const set = new GitignoreSet([
    ...readRules(texts.shared ?? "", IGNORE_FILE_NAME, where.shared ?? IGNORE_FILE_NAME),
    ...readRules(texts.local ?? "", LOCAL_IGNORE_PATH, where.local ?? LOCAL_IGNORE_PATH),
  ]);
  return {
    isIgnored(path: string, isDir: boolean): boolean {
      if (isInternalPath(path)) return true;
      return set.ignores(path, isDir);
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
 * up to 1 MiB, or over the rule limits (the scan stops rather than sync
 * what should be ignored)
 */
export async function loadIgnoreRules(root: string): Promise<IgnoreRules> {
  const shared = join(root, IGNORE_FILE_NAME);
  const local = join(root, LOCAL_IGNORE_PATH);
  return compileIgnoreRules({
    shared: await readOptional(shared, IGNORE_FILE_NAME),
    local: await readOptional(local, LOCAL_IGNORE_PATH),
  }, { shared, local });
}
