/**
 * @module moved_edited
 * A file moved on one device while another device edited it, read from the
 * folder state alone (the versions no other version dominates, each with the
 * entry that carried it), so every device that holds the same state finds
 * the same pairs.
 *
 * A scan publishes a move as a deletion of the old path, naming the content
 * it deleted (`deletedContent`), and a new version at the new path, in one
 * entry. An edit made without seeing that deletion wins over it at the old
 * path (conflict.ts): the old path comes back holding the edit, the new path
 * holds the content before it. The rule: at a path whose winner is a file or
 * link, a concurrent deletion naming content C, and elsewhere in the folder
 * a file or link of content C carried by the same entry (author and seq) as
 * that deletion. A plain deletion has no such version (its entry published
 * no C elsewhere); nor has a copy (no deletion), nor a copy made by an
 * earlier scan than the deletion (another entry). An empty file is never
 * taken for a move: empty content is everywhere (as folder_scan_moves.ts).
 * Nor is an old path that a path present below it needs as a folder (the
 * file moved into a folder of its own name): the plan's answer to that,
 * the edit as a conflict copy and the old path published deleted
 * (plan_blocked.ts), ends the conflict with nothing lost.
 *
 * Only while the deletion is in the state: the plan (folder_plan.ts) does
 * not end such a conflict with a merge version, which would drop the
 * deletion from the state and with it what says the file moved. What ends
 * it, most often: the edit carried to where the file moved (moved_carry.ts:
 * while the new path holds exactly the moved content, a device holding the
 * edit publishes it there and the old path deleted). Otherwise — the new
 * path changed too, two edits at the old one — it stays, said, until the
 * user deletes or moves the old path (two deletions, no conflict), the new
 * path changes (no version of content C left there: an ordinary conflict,
 * merged as any), or `folder override`.
 */

import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { winnerOf } from "./conflict.ts";
import { contentDigest } from "./version_content.ts";
import type { FolderPlan } from "./folder_plan_types.ts";
import { ancestors } from "./paths.ts";

/** A version of the state with the entry that carried it. */
export interface DottedVersion {
  readonly bytes: Uint8Array;
  /** Hex key of the entry's author. */
  readonly author: string;
  readonly seq: number;
}

/** One file moved on a device while another edited it. */
export interface MovedWhileEdited {
  /** The old path, holding the edit. */
  readonly path: string;
  /** Where the move put the content before the edit (the first such path). */
  readonly movedTo: string;
  /** Hex key of the device that moved it (the deletion's author). */
  readonly movedBy: string;
  /** Hex key of the device whose version wins at `path` (the edit's). */
  readonly editedBy: string;
  /** The content the move took (`contentDigest`, as its deletion names it). */
  readonly content: string;
}

interface Candidate {
  readonly path: string;
  readonly digest: string;
  readonly movedBy: string;
  readonly editedBy: string;
  movedTo?: string;
  /** A path below it is present: its name is a folder's (plan_blocked.ts). */
  blocked?: boolean;
}

/** A folder's paths with their versions, as the state keeps them (path order). */
export type FolderPaths = Iterable<readonly [string, readonly DottedVersion[]]>;

/**
 * The files of one folder moved on one device while edited on another (see
 * the module comment), by path. `paths` gives the folder's paths afresh at
 * each call: they are read through once, and a second time only when some
 * conflict has a deletion that could be a move, so a large folder is never
 * held in memory whole (the store pages through it). `only`: the paths that
 * can be an old path (a plan's conflicts); every path can be a new one.
 * `asFolder`: the old paths the caller's plan gives up as a folder's name
 * (plan_blocked.ts); without it, those a present path of the state lies
 * below (a plan of a device that ignores that path does not).
 */
export function movedWhileEdited(
  paths: () => FolderPaths,
  only?: ReadonlySet<string>,
  asFolder?: ReadonlySet<string>,
): MovedWhileEdited[] {
  // Deletions an edit won over, by the entry that carried them. Only paths
  // holding several versions are decoded (a conflict: rare).
  const byEntry = new Map<string, Candidate[]>();
  for (const [path, list] of paths()) {
    if (list.length < 2 || (only !== undefined && !only.has(path))) continue;
    const versions = list.map((v) => decodeFileVersion(v.bytes));
    const winner = winnerOf(versions);
    if (winner.kind === "deleted") continue;
    versions.forEach((v, i) => {
      if (v.kind !== "deleted" || v.deletedContent === undefined) return;
      const key = `${list[i].author}:${list[i].seq}`;
      const c: Candidate = {
        path,
        digest: v.deletedContent,
        movedBy: list[i].author,
        editedBy: list[versions.indexOf(winner)].author,
      };
      byEntry.set(key, [...byEntry.get(key) ?? [], c]);
    });
  }
  if (byEntry.size === 0) return [];
  const byPath = new Map<string, Candidate[]>();
  for (const c of [...byEntry.values()].flat()) {
    byPath.set(c.path, [...byPath.get(c.path) ?? [], c]);
  }
  // The versions those entries carried elsewhere: only their rows are decoded.
  // And whether a path present below an old path needs its name as a folder:
  // then the plan makes the edit a conflict copy and publishes the old path
  // deleted (plan_blocked.ts), which ends the conflict; it is not held open
  // as a move (held, that merge never came and the conflict stayed open on
  // every device, the edit's name a folder).
  for (const [path, list] of paths()) {
    for (const dir of list.length === 0 || asFolder !== undefined ? [] : ancestors(path)) {
      const under = byPath.get(dir);
      if (under === undefined || under.every((c) => c.blocked)) continue;
      const present = winnerOf(list.map((v) => decodeFileVersion(v.bytes))).kind !== "deleted";
      if (present) { for (const c of under) c.blocked = true; }
    }
    for (const row of list) {
      const found = byEntry.get(`${row.author}:${row.seq}`);
      if (found === undefined) continue;
      const v: FileVersion = decodeFileVersion(row.bytes);
      if (v.kind === "deleted" || (v.kind === "file" && v.size === 0)) continue;
      const digest = contentDigest(v);
      for (const c of found) {
        if (c.path === path || c.digest !== digest) continue;
        if (c.movedTo === undefined || path < c.movedTo) c.movedTo = path;
      }
    }
  }
  const out: MovedWhileEdited[] = [];
  for (const list of byEntry.values()) {
    for (const c of list) {
      if (c.movedTo === undefined || c.blocked || asFolder?.has(c.path)) continue;
      const { path, movedTo, movedBy, editedBy, digest: content } = c;
      out.push({ path, movedTo, movedBy, editedBy, content });
    }
  }
  // One per old path (two deletions of it in one entry can't be).
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out.filter((m, i) => i === 0 || out[i - 1].path !== m.path);
}

/**
 * `plan` without the merges of the paths in `open` (the old paths of files
 * moved while edited): a merge version would drop from the state the
 * deletion that says the file moved. They stay counted as conflicts.
 */
export function keepOpen(plan: FolderPlan, open: ReadonlySet<string>): FolderPlan {
  if (open.size === 0) return plan;
  return { ...plan, actions: plan.actions.filter((a) => a.kind !== "merge" || !open.has(a.path)) };
}
