/**
 * @module storage_errors
 * The one place where the home's storage errors become named MycelErrors:
 * SQLite's (a full disk, a read-only file system, a busy or damaged
 * database) and the file system's around it (making the home folder, the
 * round lock). Kept apart from db.ts so naming an error never loads
 * `node:sqlite`.
 */

import { MycelError } from "../errors.ts";
import { freeBytesSync } from "./disk.ts";

/** How long a writer waits for another writer (ms). */
export const BUSY_TIMEOUT_MS = 60_000;

/** Free bytes below which an SQLite I/O error is taken to be a full disk. */
const FULL_BELOW = 256 << 10;

/** The folder holding `path`. */
function parentOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at > 0 ? path.slice(0, at) : "/";
}

/** True for an error node:sqlite threw. */
export function isSqliteFailure(e: unknown): e is Error {
  return e instanceof Error && (e as { code?: string }).code === "ERR_SQLITE_ERROR";
}

/** True for SQLite's "database is locked" (SQLITE_BUSY), whether or not it waited first. */
export function isBusy(e: unknown): boolean {
  return isSqliteFailure(e) && /database is locked|database is busy/i.test(e.message);
}

/** "0.2 s", "60 s": how long a busy wait lasted. */
function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * Turn an SQLite error into a named MycelError (or return `e` unchanged).
 * `waitedMs`: how long the failed step took, said in a busy error (SQLite
 * does not always wait out the busy timeout before it reports one); without
 * it the error claims no duration.
 */
export function sqliteError(
  e: unknown,
  action: string,
  path: string,
  waitedMs?: number,
): unknown {
  if (e instanceof Deno.errors.PermissionDenied) {
    return new MycelError("permission_denied", action, "permission denied", {
      value: path,
      hint: "Run mycel as the user who owns this home, or pass --home with your own.",
      cause: e,
    });
  }
  if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
    return new MycelError("cannot_open", action, "its folder does not exist", {
      value: path,
      cause: e,
    });
  }
  if (e instanceof Error && /read-only file system/i.test(e.message)) {
    return new MycelError("read_only", "write to the mycel home", "it is read-only", {
      value: path,
      hint: "Reading works; to write, remount the disk read-write or pass --home DIR.",
      cause: e,
    });
  }
  if (e instanceof Error && /No space left/i.test(e.message)) {
    return new MycelError("disk_full", action, "the disk is full", {
      value: path,
      hint: "Free some space on that disk, then run the command again; nothing was changed.",
      cause: e,
    });
  }
  if (!isSqliteFailure(e)) return e;
  const m = e.message;
  if (/database or disk is full|SQLITE_FULL|No space left/i.test(m)) {
    return new MycelError("disk_full", action, "the disk is full", {
      value: path,
      hint: "Free some space on that disk, then run the command again; nothing was changed.",
      cause: e,
    });
  }
  if (/readonly database|read-only/i.test(m)) {
    return new MycelError("read_only", "write to the mycel home", "it is read-only", {
      value: path,
      hint: "Reading works; to write, remount the disk read-write or pass --home DIR.",
      cause: e,
    });
  }
  if (
    /disk I\/O error/i.test(m) && path !== "" &&
    (freeBytesSync(parentOf(path)) ?? Infinity) < FULL_BELOW
  ) {
    // SQLite could not make or grow its shared-memory file (a read needs it
    // too): on a full disk that is all it says.
    return new MycelError("disk_full", action, "the disk is full", {
      value: path,
      hint: "Free some space on that disk, then run the command again (even reading the home " +
        "needs a little room).",
      cause: e,
    });
  }
  if (isBusy(e)) {
    return new MycelError(
      "busy",
      action,
      waitedMs === undefined
        ? "another mycel command has the home locked"
        : `another mycel command kept the home locked (gave up after ${seconds(waitedMs)})`,
      {
        value: path,
        hint: "Wait for it to finish (see `mycel doctor`), then try again.",
        cause: e,
      },
    );
  }
  if (/malformed|not a database|corrupt/i.test(m)) {
    return new MycelError("corrupt_home", action, "the database is damaged", {
      value: path,
      hint: "Run `mycel repair`: it keeps what is intact and fetches the rest from your devices.",
      cause: e,
    });
  }
  if (/unable to open database file/i.test(m)) {
    return new MycelError("cannot_open", action, "the database cannot be opened", {
      value: path,
      hint: "Check that the folder exists and belongs to you.",
      cause: e,
    });
  }
  return new MycelError("storage_error", action, m, { value: path, cause: e });
}
