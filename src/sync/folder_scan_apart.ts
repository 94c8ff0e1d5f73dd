/**
 * @module folder_scan_apart
 * The places inside a synced folder that are not synced as part of it (the
 * mycel home, other folders synced here, a folder whose marker the state
 * publishes), as options of the scan (files/scan.ts `apartFolder`). Apart
 * because applying leaves out the same places (left_alone.ts) and asks for
 * them without running a scan.
 */

import { realOr } from "../files/apart_folder.ts";
import { foldName, foldPath } from "../files/path_portability.ts";
import { MARKER_NAME } from "../files/folder_layout.ts";
import { markerLook } from "../files/folder_marker.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { winnerOf } from "../files/conflict.ts";
import type { ScanOptions } from "../files/scan_types.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";

/**
 * What the scan and applying of `folder` need to leave out the places
 * inside it that are not synced as part of it (files/scan.ts `apartFolder`).
 */
export function apartOptions(
  home: Home,
  folder: LocalFolder,
): Pick<ScanOptions, "exclude" | "publishedMarker" | "syncedAt"> {
  const roots = new Map(home.folderLocal.folders().map((f) => [f.folder, f.root]));
  return {
    exclude: apartPlaces(home, folder),
    publishedMarker: publishedMarkers(home, folder.folder),
    // Only one whose marker is gone from its place moved: where it still is,
    // this is a copy (said as such by apartFolder).
    syncedAt: (id) => {
      const root = id === folder.folder ? undefined : roots.get(id);
      return root !== undefined && markerLook(root) === "missing" ? root : undefined;
    },
  };
}

/**
 * The places inside any folder that are not synced as part of it, by real
 * path, with the reason said for each: the mycel home, and the roots of
 * the other folders this device syncs (nested before the place check in
 * folder_place.ts existed). With a marker found on the way, these are what
 * the scan and applying leave out (files/scan.ts `apartFolder`).
 */
function apartPlaces(home: Home, folder: LocalFolder): Map<string, string> {
  const places = new Map<string, string>();
  places.set(realOr(home.paths.root), "it is the mycel home (keys, database): never synced");
  for (const f of home.folderLocal.folders()) {
    if (f.folder === folder.folder) continue;
    places.set(
      realOr(f.root),
      `it is folder ${f.folder}, synced here on its own, not as part of this one`,
    );
  }
  return places;
}

/**
 * Whether the state of `folder` holds a live `.mycel-folder` file in a
 * folder (both compared in any case: on a disk that ignores case a member's
 * `.MYCEL-FOLDER` is the marker's file). Read from the state once, on the
 * first question: only a marker found on disk asks.
 */
function publishedMarkers(home: Home, folder: string): (dir: string) => boolean {
  let dirs: Set<string> | undefined;
  return (dir) => {
    if (dirs === undefined) {
      dirs = new Set();
      for (const [path, list] of home.view.folders().paths(folder)) {
        const slash = path.lastIndexOf("/");
        if (slash < 0 || foldName(path.slice(slash + 1)) !== MARKER_NAME) continue;
        if (winnerOf(list.map((v) => decodeFileVersion(v.bytes))).kind === "deleted") continue;
        dirs.add(foldPath(path.slice(0, slash)));
      }
    }
    return dirs.has(foldPath(dir));
  };
}
