/**
 * @module mesh_lock
 * One change of the mesh interface at a time per home: `mesh up`, `mesh
 * down` and the apply after a round hold an exclusive advisory lock on
 * `<home>/mesh.lock` while they read the interface, change it and record
 * what they did. Two at once (the unit of `service install --mesh` runs
 * `mesh up` before every round; the user may run `sudo mycel mesh up`
 * meanwhile) each acted on what it had read before the other's changes: the
 * one creating the interface found the peer routes the other had just added,
 * took them for the user's, and removed everything it made, while the other
 * said "updated". The second now waits its turn (polling, at most `waitMs`)
 * and then sees the interface as the first left it.
 */

import { interruption, pause } from "../deadline.ts";
import { MycelError } from "../errors.ts";
import { openLockFile } from "./lock_file.ts";
import { sqliteError } from "./storage_errors.ts";

/** File name of the lock inside the home. */
export const MESH_LOCK_FILE = "mesh.lock";

/** How long a change waits for another one to finish, by default (ms). */
export const MESH_LOCK_WAIT_MS = 30_000;

/**
 * Hold the mesh lock of the home at `root` (released when disposed, or when
 * the process exits). `action` is what the caller cannot do if another
 * holder keeps it past `waitMs`. Ctrl-C (`signal`) ends the wait at once
 * with `sync_interrupted` (exit 130), nothing changed.
 */
export async function holdMeshLock(
  root: string,
  action: string,
  waitMs = MESH_LOCK_WAIT_MS,
  signal?: AbortSignal,
): Promise<Disposable> {
  const path = `${root}/${MESH_LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    file = await openLockFile(path, "mesh lock");
  } catch (e) {
    throw sqliteError(e, "take the mesh lock", root);
  }
  const until = Date.now() + waitMs;
  try {
    while (!(await file.tryLock(true))) {
      if (Date.now() >= until) {
        const holder = (await Deno.readTextFile(path).catch(() => "")).trim();
        throw new MycelError("mesh_busy", action, "another mycel is changing the interface", {
          ...(/^\d+$/.test(holder) ? { value: `pid ${holder}` } : {}),
          hint: "Run it again once that one has finished.",
        });
      }
      await pause(50, signal);
      if (signal?.aborted) throw interruption(action, signal);
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  } catch (e) {
    file.close();
    throw e;
  }
  let open = true;
  return {
    [Symbol.dispose]() {
      if (open) file.close(); // closing drops the lock
      open = false;
    },
  };
}
