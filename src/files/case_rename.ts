/**
 * @module case_rename
 * A case-only rename from a peer (`Report.txt` → `report.txt`) on a file
 * system that ignores case — macOS and Windows by default, FAT and exFAT.
 * The plan says "write report.txt (a new path), remove Report.txt". There
 * the new spelling already names the old file, so the write finds its name
 * taken and is refused as a local change, and the removal then deletes the
 * file: gone for a round, with a misleading "changed on this device" (seen
 * on a real exFAT drive). Instead the file is renamed to the new spelling
 * first, the way place_entry.ts moves files (held aside, then linked or
 * renamed in without replacing anything), and the two actions become one.
 *
 * {@link casePairs} is pure; {@link renameCase} touches the disk and does
 * nothing on a file system that keeps case (there both names can exist and
 * the plan works as it is).
 */

import { join } from "node:path";
import { type ExpectedEntry, matchesExpected, type OnDisk, onDisk } from "./disk_state.ts";
import { holdNameFor } from "./folder_layout.ts";
import type { PlanAction } from "./folder_plan_types.ts";
import { caseTwin } from "./fs_names.ts";
import { holdAside, moveNoClobber, putBack } from "./held_file.ts";
import { foldName } from "./path_portability.ts";
import { baseName, parentOf } from "./paths.ts";
import { assertRealDir, syncDir } from "./safe_paths.ts";

type Write = Extract<PlanAction, { kind: "write" }>;
type Remove = Extract<PlanAction, { kind: "remove" }>;

/** A removal and a new file in one folder whose names differ only in case. */
export interface CasePair {
  readonly write: Write;
  readonly remove: Remove;
}

/**
 * The case-only renames in `actions`: a write of a new file and a removal
 * of a file in the same folder whose names fold to the same (path_portability.ts).
 */
export function casePairs(actions: readonly PlanAction[]): CasePair[] {
  const removes = new Map<string, Remove>();
  for (const a of actions) {
    if (a.kind === "remove" && a.expected.kind === "file") {
      removes.set(`${parentOf(a.path)}/${foldName(baseName(a.path))}`, a);
    }
  }
  const out: CasePair[] = [];
  for (const a of actions) {
    if (a.kind !== "write" || a.copy || a.expected !== null || a.version.kind !== "file") continue;
    const remove = removes.get(`${parentOf(a.path)}/${foldName(baseName(a.path))}`);
    if (remove === undefined || remove.path === a.path) continue;
    removes.delete(`${parentOf(a.path)}/${foldName(baseName(a.path))}`);
    out.push({ write: a, remove });
  }
  return out;
}

/**
 * Rename the file at `from` (folder-relative, as `expected` says) to the
 * spelling `to` when this file system takes `to` for the same file; returns
 * what is at `to` then. Undefined, changing nothing, when the file system
 * keeps case, the file is not the expected one, or something took the name
 * meanwhile (what was moved is then back at `from`, or kept under
 * `.mycel/versions/`: never lost).
 */
export async function renameCase(
  realRoot: string,
  from: string,
  to: string,
  expected: ExpectedEntry,
  now: number,
): Promise<OnDisk | undefined> {
  const dirRel = parentOf(from);
  const dirAbs = join(realRoot, dirRel);
  assertRealDir(dirAbs, dirAbs);
  const fromAbs = join(dirAbs, baseName(from));
  const toAbs = join(dirAbs, baseName(to));
  const before = onDisk(fromAbs);
  if (before === null || !matchesExpected(before, expected)) return undefined;
  // A file system that keeps case: the new spelling is free. One that ignores
  // case finds the old file under it — listed under its old spelling only
  // (inode numbers can't tell: exfat-fuse gives each spelling its own).
  if (onDisk(toAbs) === null || caseTwin(dirAbs, baseName(to)) !== baseName(from)) {
    return undefined;
  }
  const holdName = holdNameFor();
  const hold = holdAside(fromAbs, holdName);
  if (hold === undefined) return undefined;
  if (!matchesExpected(onDisk(hold.held), expected) || !moveNoClobber(hold.held, toAbs)) {
    await putBack(realRoot, dirRel, holdName, now);
    return undefined;
  }
  Deno.removeSync(hold.holdDir);
  await syncDir(dirAbs);
  return onDisk(toAbs) ?? undefined;
}
