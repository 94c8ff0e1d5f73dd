/**
 * @module state_digest
 * `state_digest`: SHA-256 over the canonical text of the replicated state —
 * every version with its dot, stamp and value, parked dots, legacy floors,
 * the fold frontier, apps, membership rows and self-written fields, the
 * synced folders' rows (folder_state.ts) — one canonical JSON line per row,
 * in canonical order (see state_rows.ts). Two
 * devices show the same digest exactly when their replicated state, values
 * and merge metadata alike, is the same; it does not depend on where the
 * state is held or in what order entries arrived.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../bytes.ts";
import { canonicalJson, type Json } from "../crdt/json.ts";
import type { FolderProgress } from "./file_ops.ts";
import type { FolderRows } from "./folder_state.ts";
import type { MemberRow } from "./membership.ts";
import { SPACES } from "./state.ts";
import type { StateRows } from "./state_rows.ts";

function memberLine(hex: string, row: MemberRow): Json {
  const a = row.added, r = row.removed;
  const self = Object.entries(row.self).sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([f, v]) => [f, v!.seq, v!.value as Json]);
  return [
    "m",
    hex,
    a
      ? [a.by.hex, a.wall, a.counter, a.fields as unknown as Json, ...(a.contested ? [1] : [])]
      : null,
    r ? [r.by.hex, r.wall, r.counter, r.cut] : null,
    self,
  ];
}

/** JSON form of a progress record (digest lines, SQLite rows). */
export function progressJson(p: FolderProgress): Json {
  return [
    p.needFiles,
    p.needBytes,
    p.conflicts,
    p.stopped,
    p.frontier.map(([k, s]) => [k.hex, s]),
  ];
}

/** Canonical digest lines of the folder state (none when there is no folder). */
export function* folderLines(rows: FolderRows): Generator<string> {
  for (const [id, s] of rows.shares()) {
    yield canonicalJson(["fs", id, s.name, s.wall, s.counter, s.author]);
  }
  for (const [folder, device, r] of rows.deviceRows()) {
    yield canonicalJson([
      "fd",
      folder,
      device,
      r.joinedSeq,
      r.joined,
      r.progressSeq,
      r.progress ? progressJson(r.progress) : null,
    ]);
  }
  for (const [folder, path, v] of rows.allVersions()) {
    yield canonicalJson(["fv", folder, path, v.id, v.author, v.seq]);
  }
  for (const [folder, author, seq] of rows.frontiers()) {
    yield canonicalJson(["ff", folder, author, seq]);
  }
}

/** Every canonical line of the state, in order. */
export function* stateLines(rows: StateRows): Generator<string> {
  yield canonicalJson(["mycel-state", 2]);
  for (const space of SPACES) {
    for (const [key, versions] of rows.keysOf(space)) {
      for (const v of versions) {
        yield canonicalJson([
          "v",
          space,
          key,
          v.dot.author,
          v.dot.seq,
          v.stamp.wall,
          v.stamp.counter,
          v.legacy ? 1 : 0,
          v.value === undefined ? null : [v.value],
        ]);
      }
    }
  }
  for (const [space, key, author, seq] of rows.parked()) {
    yield canonicalJson(["p", space, key, author, seq]);
  }
  for (const [space, key, stamp] of rows.floors()) {
    yield canonicalJson(["f", space, key, stamp.wall, stamp.counter, stamp.node]);
  }
  for (const [author, seq] of rows.seenAll()) yield canonicalJson(["s", author, seq]);
  for (const app of rows.appsAll()) yield canonicalJson(["a", app]);
  for (const [key, row] of rows.memberRows()) yield canonicalJson(memberLine(key.hex, row));
  yield* folderLines(rows.folders()); // synced folders (none: no lines)
}

/** Hex SHA-256 of the state's canonical lines. */
export function stateDigest(rows: StateRows): string {
  const h = sha256.create();
  // Lines are hashed in pieces of about 64 kB: the same bytes in the same
  // order (so the same digest) as one update per line, with far fewer calls.
  let piece = "";
  for (const line of stateLines(rows)) {
    piece += line + "\n";
    if (piece.length >= 1 << 16) {
      h.update(utf8(piece));
      piece = "";
    }
  }
  if (piece !== "") h.update(utf8(piece));
  return toHex(h.digest());
}
