/**
 * @module fs_names
 * Names a folder's file system can't hold as they are, told apart from
 * local edits and disk errors so the report says what is really wrong:
 * - a file system that ignores case (macOS and Windows by default, FAT,
 *   exFAT) has one file for `Report.txt` and `report.txt`: a peer's second
 *   spelling finds its name taken by the first ({@link caseTwin});
 * - FAT and exFAT refuse the characters < > : " | ? * (exfat-fuse says "no
 *   such file", the kernel's drivers "invalid argument") ({@link nameRefused}).
 * - a new path whose folder exists here under another spelling
 *   ({@link CaseNames}) would land in that folder.
 * All are reported for the path and the rest of the folder syncs; nothing
 * is renamed (a rename would sync back as a deletion and a new file).
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { foldName, portabilityProblems } from "./path_portability.ts";
import { withProbeFile } from "./probe_file.ts";
import { quotedText } from "../text_safety.ts";

/**
 * The spelling under which the folder `dirAbs` lists the entry that `name`
 * reaches when that is not `name` itself (a file system that ignores case
 * found another file), else undefined.
 */
export function caseTwin(dirAbs: string, name: string): string | undefined {
  const key = foldName(name);
  let twin: string | undefined;
  for (const e of Deno.readDirSync(dirAbs)) {
    if (e.name === name) return undefined;
    if (twin === undefined && foldName(e.name) === key) twin = e.name;
  }
  return twin;
}

/**
 * A named error when creating an entry for `relPath` failed (`e`) because
 * its name can't exist on this file system, else undefined (another
 * failure, reported as it is).
 */
export function nameRefused(
  relPath: string,
  e: unknown,
  dirAbs?: string,
): MycelError | undefined {
  const invalid = e instanceof Deno.errors.NotFound || e instanceof Deno.errors.InvalidData ||
    (e instanceof Error && /\(os error 22\)/.test(e.message));
  if (!invalid) return undefined;
  // "No such file" because the folder itself went away meanwhile is not about the name.
  if (e instanceof Deno.errors.NotFound && dirAbs !== undefined && !isDir(dirAbs)) return undefined;
  const problem = portabilityProblems(relPath).find((p) => p.system === "windows");
  if (problem === undefined) return undefined;
  return new MycelError(
    "name_refused",
    "write file",
    `this folder's file system can't hold the name ${quotedText(problem.name)}: ${problem.reason}`,
    { value: relPath, cause: e },
  );
}

/**
 * True when the file system holding the folder `root` ignores case: a
 * probe file made with a lower-case name is found under its upper-case
 * spelling. Undefined when the probe could not make its file (unknown).
 */
export function ignoresCase(root: string): boolean | undefined {
  return withProbeFile(root, "case", (name) => {
    try {
      Deno.lstatSync(join(root, name.toUpperCase()));
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * New paths checked against what a file system that ignores case already
 * holds: `notes/y.txt` written where `Notes/` exists would land in `Notes/`,
 * and the next scan would publish it as moved — on every device. The
 * listing of each folder is read once; paths this round creates are added.
 */
export class CaseNames {
  readonly #root: string;
  /** Folder (relative) → folded name → spelling. */
  readonly #lists = new Map<string, Map<string, string>>();

  constructor(root: string) {
    this.#root = root;
  }

  /** The first segment of `relPath` spelled otherwise here, with that spelling. */
  clash(relPath: string): { segment: string; twin: string } | undefined {
    const segments = relPath.split("/");
    let dir = "";
    for (const segment of segments) {
      const spelled = this.#list(dir).get(foldName(segment));
      if (spelled === undefined) return undefined; // nothing there yet: nor below
      if (spelled !== segment) return { segment, twin: spelled };
      dir = dir === "" ? segment : `${dir}/${segment}`;
    }
    return undefined;
  }

  /** `relPath` will exist as spelled (its folders too). */
  add(relPath: string): void {
    let dir = "";
    for (const segment of relPath.split("/")) {
      const list = this.#list(dir);
      if (!list.has(foldName(segment))) list.set(foldName(segment), segment);
      dir = dir === "" ? segment : `${dir}/${segment}`;
    }
  }

  #list(dir: string): Map<string, string> {
    let list = this.#lists.get(dir);
    if (list === undefined) {
      list = new Map();
      try {
        for (const e of Deno.readDirSync(join(this.#root, dir))) list.set(foldName(e.name), e.name);
      } catch {
        // not there (yet): empty
      }
      this.#lists.set(dir, list);
    }
    return list;
  }
}

function isDir(abs: string): boolean {
  try {
    return Deno.statSync(abs).isDirectory;
  } catch {
    return false;
  }
}
