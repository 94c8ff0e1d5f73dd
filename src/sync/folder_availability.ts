/**
 * @module folder_availability
 * The facts src/files/unavailable.ts decides with, read from a home: which
 * devices were removed, what each device of the folder reported of its
 * progress, and which versions this device's disk holds; and the line a
 * round keeps for each version left out (with the folder's other paths it
 * could not write, so `folder status` and `sync now --json` say it).
 */

import { bytesEqual } from "../bytes.ts";
import type { Availability, UnavailableVersion } from "../files/unavailable.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow } from "../storage/sql_folder_local.ts";

/** Availability of `folder`'s versions as this home knows it. */
export function availabilityHere(
  home: Home,
  folder: string,
  index: ReadonlyMap<string, IndexRow>,
): Availability {
  const removed = new Set<string>();
  for (const m of home.view.members()) if (m.removed !== undefined) removed.add(m.record.key.hex);
  return {
    removed: (device) => removed.has(device),
    reports: (function* () {
      for (const [f, device, row] of home.view.folders().deviceRows()) {
        if (f !== folder || row.progress === undefined) continue;
        const p = row.progress;
        yield {
          device,
          joined: row.joined,
          needFiles: p.needFiles,
          stopped: p.stopped,
          frontier: p.frontier.map(([k, seq]) => [k.hex, seq] as const),
        };
      }
    })(),
    heldHere: (path, bytes) => {
      const held = index.get(path)?.version;
      return held != null && bytesEqual(held, bytes);
    },
  };
}

/**
 * Availability as if this device were gone: the versions it made that no
 * other device reported holding. A folder joined again where it was left
 * publishes the deletion of such a file missing since (nobody else has its
 * content, so nothing is lost; otherwise every device waited for it).
 */
export function availabilityWithoutMe(home: Home, folder: string): Availability {
  const me = home.device.hex;
  const all = availabilityHere(home, folder, new Map());
  return {
    removed: (device) => device === me || all.removed(device),
    reports: [...all.reports].filter((r) => r.device !== me),
    heldHere: () => false,
  };
}

/** The problem line of a version left out: why its file is not written here. */
export function unavailableProblem(
  home: Home,
  v: UnavailableVersion,
): { path: string; reason: string } {
  const maker = home.view.members().find((m) => m.record.key.hex === v.maker);
  const name = maker?.record.name ?? v.maker.slice(0, 8);
  return {
    path: v.path,
    reason: `the version ${name} made can't be fetched: only ${name} had it, and it was ` +
      "removed from the mesh",
  };
}
