/**
 * @module folder_checkpoint
 * The synced-folder part of a checkpoint (checkpoint.ts): shares, device
 * rows, file versions and folder frontiers, device keys named by index in
 * the checkpoint's author table. Absent from a checkpoint of a state with no
 * folder (so such a checkpoint keeps the 13-field form); when present it is
 * never empty. Decoding checks every value as the op decoder does.
 */

import { asBytes } from "../bytes.ts";
import { decodeFileVersion } from "./file_version_codec.ts";
import type { DeviceKey } from "./device_key.ts";
import { decodeProgress, encodeProgress, folderIdProblem } from "./file_ops.ts";
import { joinDeviceRow, joinShare } from "./folder_fold.ts";
import { type FolderRows, type FolderStore, versionId } from "./folder_state.ts";
import { addVersions, type NewVersion } from "./folder_versions.ts";
import { checkName } from "./ops.ts";

/** Folder rows by kind (shares, devices, file versions, frontiers), each in canonical order. */
export function folderRowLists(
  rows: FolderRows,
  author: (hex: string) => number,
): [Iterable<unknown[]>, Iterable<unknown[]>, Iterable<unknown[]>, Iterable<unknown[]>] {
  return [
    (function* () {
      for (const [id, s] of rows.shares()) yield [id, s.name, s.wall, s.counter, author(s.author)];
    })(),
    (function* () {
      for (const [folder, device, r] of rows.deviceRows()) {
        yield [
          folder,
          author(device),
          r.joinedSeq,
          r.joined,
          r.progressSeq,
          r.progress ? encodeProgress(r.progress) : null,
        ];
      }
    })(),
    (function* () {
      for (const [folder, , v] of rows.allVersions()) {
        yield [folder, author(v.author), v.seq, v.bytes];
      }
    })(),
    (function* () {
      for (const [folder, a, seq] of rows.frontiers()) yield [folder, author(a), seq];
    })(),
  ];
}

/** The folder part of a checkpoint, or undefined when there is no folder state. */
export function encodeFolderPart(
  rows: FolderRows,
  author: (hex: string) => number,
): unknown[] | undefined {
  const [shares, devices, versions, frontiers] = folderRowLists(rows, author).map((l) => [...l]);
  if (shares.length + devices.length + versions.length + frontiers.length === 0) return undefined;
  return [shares, devices, versions, frontiers];
}

/** Decode the folder part into `into`; throws a plain Error on anything malformed. */
export function decodeFolderPart(
  x: unknown,
  au: (i: unknown) => DeviceKey,
  into: FolderStore,
  list: (x: unknown, what: string, max?: number) => unknown[],
  count: (x: unknown, what: string) => number,
): void {
  const [shares, devices, versions, frontiers] = list(x, "folders", 4);
  if (list(x, "folders").length !== 4) throw new Error("the folder part has 4 lists");
  const folder = (f: unknown) => {
    const problem = folderIdProblem(f);
    if (problem !== undefined) throw new Error(problem);
    return f as string;
  };
  let rows = 0;
  for (const s of list(shares, "shares")) {
    const [id, name, wall, counter, a] = list(s, "share", 5);
    joinShare(into, folder(id), {
      name: checkName("folder name", name),
      wall: count(wall, "wall"),
      counter: count(counter, "counter"),
      author: au(a).hex,
    });
    rows++;
  }
  for (const d of list(devices, "folder devices")) {
    const [f, a, joinedSeq, joined, progressSeq, progress] = list(d, "folder device", 6);
    if (typeof joined !== "boolean") throw new Error("joined must be true or false");
    const id = folder(f), device = au(a).hex;
    const row = {
      joinedSeq: count(joinedSeq, "seq"),
      joined,
      progressSeq: count(progressSeq, "seq"),
      ...(progress === null ? {} : { progress: decodeProgress(list(progress, "progress", 5)) }),
    };
    into.putDeviceRow(id, device, joinDeviceRow(into.deviceRow(id, device) ?? row, row));
    rows++;
  }
  // Path by path (a checkpoint lists them by folder, path): each path of `into` is read once.
  let at: [string, string] | undefined;
  let batch: NewVersion[] = [];
  for (const v of list(versions, "file versions")) {
    const [f, a, seq, raw] = list(v, "file version", 4);
    const bytes = asBytes(raw);
    if (bytes === undefined) throw new Error("a file version must be bytes");
    const version = decodeFileVersion(bytes);
    const stored = { id: versionId(bytes), author: au(a).hex, seq: count(seq, "seq"), bytes };
    const id = folder(f);
    if (at !== undefined && (at[0] !== id || at[1] !== version.path)) {
      addVersions(into, at[0], at[1], batch);
      batch = [];
    }
    at = [id, version.path];
    batch.push({ stored, vv: version.vv });
    rows++;
  }
  if (at !== undefined) addVersions(into, at[0], at[1], batch);
  for (const fr of list(frontiers, "folder frontiers")) {
    const [f, a, seq] = list(fr, "folder frontier", 3);
    const id = folder(f), author = au(a).hex, n = count(seq, "seq");
    if (into.frontierOf(id, author) < n) into.setFrontier(id, author, n);
    rows++;
  }
  if (rows === 0) throw new Error("an empty folder part must be left out");
}
