/**
 * @module held_file
 * Moves that never overwrite, for replacing a file without losing one a
 * local program saves at the same moment. Deno has no rename-exchange or
 * rename-no-replace, so a plain rename over a name destroys whatever an
 * editor put there since the last check. Instead a write moves the file it
 * replaces into a `.mycel-tmp-hold-*` folder beside it (one rename: it
 * captures whatever is at the name right then), checks what it caught, and
 * puts files in place with a hard link, which fails rather than replace.
 *
 * A held file is user data: {@link putBack} returns it to its name, or —
 * when something new took the name meanwhile — keeps it under
 * `.mycel/versions/`. The stale-temp sweep calls it for holds a crash left.
 */

import { basename, dirname, join } from "node:path";
import { exists, keepVersion } from "./keep_version.ts";

/**
 * Move `from` to `to` unless `to` exists; true when moved. A hard link and
 * an unlink, so nothing at `to` is ever replaced (a crash between the two
 * leaves both names on one file). Where links don't work (some file
 * systems, folders) it falls back to a rename after a check, which a save
 * in that instant could still lose.
 */
export function moveNoClobber(from: string, to: string): boolean {
  try {
    Deno.linkSync(from, to);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    if (e instanceof Deno.errors.NotFound) throw e;
    if (exists(to)) return false;
    Deno.renameSync(from, to);
    return true;
  }
  Deno.removeSync(from);
  return true;
}

/**
 * Move the entry at `abs` into a new hold folder `holdName` beside it (one
 * rename: it captures whatever is at the name at that instant). Returns the
 * held path and the hold folder, or undefined when nothing was at the name.
 */
export function holdAside(
  abs: string,
  holdName: string,
): { held: string; holdDir: string } | undefined {
  const holdDir = join(dirname(abs), holdName);
  const held = join(holdDir, basename(abs));
  Deno.mkdirSync(holdDir, { mode: 0o700 });
  try {
    Deno.renameSync(abs, held);
  } catch (e) {
    try {
      Deno.removeSync(holdDir);
    } catch {
      // left for the stale-temp sweep
    }
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return { held, holdDir };
}

/**
 * Settle every file in the hold folder `holdName` of the folder-relative
 * folder `dirRel`, then remove the hold folder: `put_back` returns each to
 * its name, or keeps it under `.mycel/versions/` when the name is taken;
 * `keep` keeps each under `.mycel/versions/` (a deletion that was under way
 * when its process died: finished, nothing lost). Returns the kept copies'
 * folder-relative paths.
 */
export async function settleHold(
  realRoot: string,
  dirRel: string,
  holdName: string,
  now: number,
  how: "put_back" | "keep",
): Promise<string[]> {
  const holdDir = join(realRoot, dirRel, holdName);
  const kept: string[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(holdDir)) names.push(e.name);
  for (const name of names) {
    const rel = dirRel === "" ? name : `${dirRel}/${name}`;
    const held = join(holdDir, name);
    if (how === "keep" || !moveNoClobber(held, join(realRoot, rel))) {
      kept.push(await keepVersion(realRoot, rel, "move", now, held));
    }
  }
  await Deno.remove(holdDir);
  return kept;
}

/** {@link settleHold} putting files back: what a failed or raced write does. */
export function putBack(
  realRoot: string,
  dirRel: string,
  holdName: string,
  now: number,
): Promise<string[]> {
  return settleHold(realRoot, dirRel, holdName, now, "put_back");
}
