/**
 * @module doctor_folders
 * `mycel doctor`'s check of the folders synced here: each one's chunk key
 * (files/chunk_key.ts), its marker, and the paths the last round could not
 * write here. A folder without one (shared by an earlier release)
 * or whose value is unusable (a member wrote something that is not base64
 * of 16 bytes or more) is cut with the interim secret, made from the mesh
 * id, which cards print. Chunking takes such a value as none without a
 * word, so this is where it is said. The value is never shown: it is the
 * folder's secret, and what is wrong with it is said in other words.
 */

import { chunkKeyName, chunkKeyState } from "../files/chunk_key.ts";
import type { ReservedSecret } from "../log/reserved_config.ts";
import type { Home } from "../storage/home_handle.ts";
import { plural } from "../human.ts";
import type { Finding } from "./doctor.ts";
import {
  MARKER_MISSING,
  MARKER_UNREACHABLE_HINT,
  markerLook,
  markerUnreadable,
  recreateMarkerHint,
} from "../files/folder_marker.ts";
import { safeText } from "../text_safety.ts";

const FALLBACK = "its files are cut with the interim secret, made from the mesh id";

const NONE_HINT = "Its files still sync: every device cuts it with that same secret. But that " +
  "secret hides the folder's chunk sizes only from someone who does not know the mesh id, " +
  "which cards print. A folder shared now (`mycel folder add`) gets a key of its own with its " +
  "share; nothing adds one to a folder already shared.";

/** Each folder synced here whose chunk key is missing or unusable; one ok line when none is. */
export function checkChunkKeys(home: Home): Finding[] {
  const folders = home.folderLocal.folders();
  if (folders.length === 0) return [];
  const out: Finding[] = [];
  for (const { folder } of folders) {
    const key = chunkKeyState(home.view, folder);
    if ("secret" in key) continue;
    if (key.problem === "none") {
      out.push({
        check: "chunk-key",
        ok: false,
        detail: `folder ${folder} has no chunk key (shared by an earlier release): ${FALLBACK}`,
        hint: NONE_HINT,
      });
      continue;
    }
    const name = chunkKeyName(folder);
    out.push({
      check: "chunk-key",
      ok: false,
      detail: `folder ${folder}'s chunk key is unusable (${name}: ${what(key)}): ${FALLBACK}`,
      hint: `A device of the mesh wrote that value under ${name}, where \`mycel folder add\` ` +
        "writes base64 of 32 bytes once, with the share; `mycel log` shows which device " +
        "(never the value). The folder still syncs: every device of this release reads the " +
        "value alike and cuts with the same interim secret.",
    });
  }
  if (out.length === 0) {
    out.push({
      check: "chunk-key",
      ok: true,
      detail: `${plural(folders.length, "folder")} synced here, each cut with a key of its own`,
    });
  }
  return out;
}

/** What is wrong with an unusable value, without the value (a secret). */
function what(key: Exclude<ReservedSecret, { secret: Uint8Array }>): string {
  switch (key.problem) {
    case "too short":
      return `${plural(key.bytes, "byte")}, fewer than ${key.minBytes}`;
    default:
      return key.problem; // "not text", "not base64" (none is said apart)
  }
}

/**
 * Each folder synced here whose marker is missing now (its disk unmounted,
 * or the folder moved): stopped, as `sync now` and `folder status` say.
 * Before, doctor said nothing of it (found by a review helper).
 */
export function checkFolderMarkers(home: Home): Finding[] {
  const out: Finding[] = [];
  for (const f of home.folderLocal.folders()) {
    const look = markerLook(f.root);
    if (look === "present") continue;
    const at = `folder ${f.folder} at ${safeText(f.root)}`;
    out.push(
      look === "missing"
        ? {
          check: "folder",
          ok: false,
          detail: `${at}: ${MARKER_MISSING}`,
          hint: `Mount its disk; if the folder moved, \`mycel folder move ${f.folder} NEWPATH\`. ` +
            recreateMarkerHint(f.root),
        }
        : {
          check: "folder",
          ok: false,
          detail: `${at}: ${
            markerUnreadable({ ...look, problem: safeText(look.problem) })
              .replace(/^folder stopped: /, "")
          }`,
          hint: look.denied
            ? "Let this user into the folder (search permission on it and the folders above " +
              "it), or run doctor as the user who syncs it."
            : MARKER_UNREACHABLE_HINT,
        },
    );
  }
  return out;
}

/**
 * Each folder synced here with paths the last round could not write here (a
 * disk too full for a file, a name this disk can't hold, a folder in the
 * way): the files are missing on this device and its folder reads "behind".
 * `sync now` says them once, when the list changes, and `folder status`
 * keeps them; before, doctor said nothing (a walkthrough: a folder's disk
 * filled up and doctor found no problem).
 */
export function checkNotWritten(home: Home): Finding[] {
  const out: Finding[] = [];
  for (const f of home.folderLocal.folders()) {
    const list = f.info.notWritten ?? [];
    if (list.length === 0 || f.info.stopped) continue;
    const count = Math.max(f.info.notWrittenCount ?? 0, list.length);
    const full = list.some((p) => /is full/.test(p.reason));
    out.push({
      check: "folder",
      ok: false,
      detail: `folder ${f.folder} at ${safeText(f.root)}: the last round could not write ${
        plural(count, "path")
      } here (${safeText(list[0].path)}: ${safeText(list[0].reason)}${count > 1 ? ", …" : ""})`,
      hint: (full
        ? "Free space on the disk holding the folder: the next `mycel sync now` fetches what " +
          "fits. "
        : "Each round tries them again. ") +
        `\`mycel folder status ${f.folder}\` lists every path and why.`,
    });
  }
  return out;
}
