/**
 * @module folder_args
 * What the folder commands (folder.ts, folder_add.ts, folder_join.ts, folder_move.ts, …)
 * check of their arguments before anything is written — a folder id (or a
 * new one made), `--keep-days` — and the look-ups they share: the home's
 * real path the place checks compare a folder's against, a folder's path
 * here. Apart so that each command module imports these without importing
 * another command module.
 */

import { ExitCode, MycelError, usageError } from "../../errors.ts";
import { folderIdProblem } from "../../log/file_ops.ts";
import type { CommandContext } from "../command.ts";
import { homeRoot, withRead } from "../session.ts";

/** `--keep-days N`: how long replaced and deleted files are kept here (this device only). */
export const KEEP_DAYS = {
  name: "keep-days",
  value: "DAYS",
  help: "keep replaced and deleted files this many days in .mycel/versions (default 30)",
};

export function keepInfo(
  flags: Record<string, string | boolean | undefined>,
  action = "use --keep-days",
): { keepDays?: number } {
  const text = flags["keep-days"];
  if (text === undefined || typeof text === "boolean") return {};
  // Digits only: Number("") and Number(" ") are 0, which would keep nothing.
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 36500) {
    throw usageError(action, "it must be a whole number of days, 0–36500", {
      value: text,
      hint: "For example 30 (a month) or 365; 0 keeps none.",
    });
  }
  return { keepDays: n };
}

/** A new folder id: two groups of five letters and digits (`abcde-fgh23`). */
export function newFolderId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const b = crypto.getRandomValues(new Uint8Array(10));
  const s = [...b].map((x) => alphabet[x & 31]).join("");
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export function checkFolderId(id: string): string {
  const problem = folderIdProblem(id);
  // An empty id is shown quoted: "()" said nothing.
  if (problem !== undefined) {
    throw usageError("use folder id", problem, { value: id === "" ? '""' : id });
  }
  return id;
}

/** The home's real path (the folder checks compare real paths). */
export function realHome(ctx: CommandContext): string {
  return Deno.realPathSync(homeRoot(ctx));
}

/** Where folder `id` is synced on this device, or null. */
export async function readPath(ctx: CommandContext, id: string): Promise<string | null> {
  return await withRead(ctx, (home) => home.folderLocal.folder(id)?.root ?? null);
}

/**
 * Folder `id` is not synced on this device: what `action` could not do,
 * and where to look (a usage error: the id was wrong here).
 */
export function notSyncedHere(
  id: string,
  action: string,
  hint = "See `mycel folder list` for the folders synced here.",
): MycelError {
  return new MycelError("unknown_folder", action, "this device does not sync it", {
    value: id,
    hint,
    exit: ExitCode.usage,
  });
}
