/**
 * @module write_symlink
 * Apply a symlink version: create the link under a temporary name beside
 * the target and rename it into place — the same guarantees as
 * assemble.ts (atomic, expected-state check, replaced entry kept, no
 * symlinked parents). The link is created, never followed.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { type ExpectedEntry, matchesExpected, onDisk, type WriteResult } from "./disk_state.ts";
import { tempNameFor } from "./folder_layout.ts";
import { assertMarker } from "./folder_marker.ts";
import { keepVersion } from "./keep_version.ts";
import { baseName, checkRelativePath, parentOf } from "./paths.ts";
import { assertRealDir, ensureRealParents, syncDir } from "./safe_paths.ts";
import { statKey } from "./scan_file.ts";
import { symlinkTargetProblem } from "./symlink_target.ts";

/** How to write a link. */
export interface SymlinkOptions {
  /** What the caller expects to replace, or null for nothing. */
  readonly expected: ExpectedEntry;
  /** Keep a replaced entry under `.mycel/versions/` (default true). */
  readonly keepReplaced?: boolean;
  /** Clock for the kept version's stamp (default Date.now). */
  readonly now?: () => number;
}

/**
 * Make `relPath` a symlink to `target`.
 * @throws MycelError `bad_path`, `bad_symlink`, `folder_stopped`, `unsafe_path`
 */
export async function writeSymlink(
  root: string,
  relPath: string,
  target: string,
  options: SymlinkOptions,
): Promise<WriteResult> {
  checkRelativePath(relPath);
  const problem = symlinkTargetProblem(target);
  if (problem !== undefined) {
    throw new MycelError("bad_symlink", "write symlink", problem, { value: relPath });
  }
  assertMarker(root, "write symlink");
  const realRoot = await Deno.realPath(root);
  const parent = parentOf(relPath);
  await ensureRealParents(realRoot, parent);
  const dirAbs = join(realRoot, parent);
  const abs = join(dirAbs, baseName(relPath));
  const before = await onDisk(abs);
  if (!matchesExpected(before, options.expected)) {
    return { status: "changed_locally", current: before };
  }
  const temp = join(dirAbs, tempNameFor(baseName(relPath)));
  let renamed = false;
  try {
    await Deno.symlink(target, temp);
    await assertRealDir(dirAbs, dirAbs);
    const now = await onDisk(abs);
    if (!matchesExpected(now, options.expected)) return { status: "changed_locally", current: now };
    let keptAs: string | undefined;
    if (now !== null && options.keepReplaced !== false) {
      keptAs = await keepVersion(realRoot, relPath, "link", options.now?.() ?? Date.now());
    }
    await Deno.rename(temp, abs);
    renamed = true;
    await syncDir(dirAbs);
    return { status: "written", stat: statKey(await Deno.lstat(abs)), keptAs };
  } finally {
    if (!renamed) await Deno.remove(temp).catch(() => {});
  }
}
