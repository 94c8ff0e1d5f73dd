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

import { join } from "node:path";
import { keepVersion } from "./keep_version.ts";

async function exists(abs: string): Promise<boolean> {
  try {
    await Deno.lstat(abs);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Move `from` to `to` unless `to` exists; true when moved. A hard link and
 * an unlink, so nothing at `to` is ever replaced (a crash between the two
 * leaves both names on one file). Where links don't work (some file
 * systems, folders) it falls back to a rename after a check, which a save
 * in that instant could still lose.
 */
export async function moveNoClobber(from: string, to: string): Promise<boolean> {
  try {
    await Deno.link(from, to);
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    if (e instanceof Deno.errors.NotFound) throw e;
    if (await exists(to)) return false;
    await Deno.rename(from, to);
    return true;
  }
  await Deno.remove(from);
  return true;
}

/**
 * Return each file in the hold folder `holdName` of the folder-relative
 * folder `dirRel` to its name, or keep it under `.mycel/versions/` when the
 * name is taken; then remove the hold folder. Returns the kept copies'
 * folder-relative paths.
 */
export async function putBack(
  realRoot: string,
  dirRel: string,
  holdName: string,
  now: number,
): Promise<string[]> {
  const holdDir = join(realRoot, dirRel, holdName);
  const kept: string[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(holdDir)) names.push(e.name);
  for (const name of names) {
    const rel = dirRel === "" ? name : `${dirRel}/${name}`;
    const held = join(holdDir, name);
    if (!(await moveNoClobber(held, join(realRoot, rel)))) {
      kept.push(await keepVersion(realRoot, rel, "move", now, held));
    }
  }
  await Deno.remove(holdDir);
  return kept;
}

/**
 * Keep each file in the hold folder `holdName` of the folder-relative folder
 * `dirRel` under `.mycel/versions/` (a deletion that was under way when its
 * process died: finished, but nothing is lost), then remove the hold folder.
 * Returns the kept copies' folder-relative paths.
 */
export async function keepHeld(
  realRoot: string,
  dirRel: string,
  holdName: string,
  now: number,
): Promise<string[]> {
  const holdDir = join(realRoot, dirRel, holdName);
  const kept: string[] = [];
  const names: string[] = [];
  for await (const e of Deno.readDir(holdDir)) names.push(e.name);
  for (const name of names) {
    const rel = dirRel === "" ? name : `${dirRel}/${name}`;
    kept.push(await keepVersion(realRoot, rel, "move", now, join(holdDir, name)));
  }
  await Deno.remove(holdDir);
  return kept;
}
