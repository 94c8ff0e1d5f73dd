/**
 * @module folder_plan_types
 * What a folder plan (folder_plan.ts) is made of: the state's versions and
 * index rows it reads, the actions it lists (write, remove, adopt, merge)
 * and, per path, what it decided. Types only: no code.
 */

import type { FileVersion } from "../log/file_version.ts";
import type { IndexedEntry } from "./file_index.ts";

/** A version of the state with its id. */
export interface PlanVersion {
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** The index row of a path as the plan needs it. */
export interface PlanIndexRow extends IndexedEntry {
  /** Encoding of the version the disk holds. */
  readonly version: Uint8Array | null;
}

/** One thing to do. */
export type PlanAction =
  | {
    readonly kind: "write";
    readonly path: string;
    readonly version: FileVersion;
    readonly id: string;
    /** What the disk holds now (null: nothing). */
    readonly expected: PlanIndexRow | null;
    /** True for a conflict copy (published as a new file once written). */
    readonly copy: boolean;
  }
  | {
    readonly kind: "remove";
    readonly path: string;
    readonly id: string;
    readonly version: FileVersion;
    readonly expected: PlanIndexRow;
    /**
     * After the writes even when a write needs the name (kind_change.ts):
     * the file is the source of a conflict copy made this round.
     */
    readonly late?: boolean;
  }
  | {
    readonly kind: "adopt";
    readonly path: string;
    readonly id: string;
    readonly version: FileVersion;
    readonly row: PlanIndexRow;
  }
  | {
    readonly kind: "merge";
    readonly path: string;
    readonly winner: FileVersion;
    readonly set: readonly FileVersion[];
    /** Conflict copies this plan makes for the path (they must exist before the merge). */
    readonly copies: readonly string[];
  };

/** A plan for one folder. */
export interface FolderPlan {
  /** Copies, writes, removals, merges (in that order). */
  readonly actions: PlanAction[];
  /** Paths whose versions conflict (content differs among concurrent versions). */
  readonly conflicts: string[];
}

/** A path of the state with its versions decoded. */
export interface Decided {
  readonly path: string;
  readonly row: PlanIndexRow | null;
  readonly held: string | undefined;
  readonly versions: FileVersion[];
  readonly winner: FileVersion;
  readonly winnerId: string;
}
