/**
 * @module standing_other_keys_test
 * Another device's line of `folder status` (src/cli/standing_other.ts): a
 * file it is behind by whose content it had seen at another path costs it
 * no bytes. The content it had seen is keyed only when its record had not
 * seen the folder's whole frontier (else nothing can be behind); should a
 * version be behind all the same (a frontier not covering every version),
 * the content gone by before it is keyed in a second pass, not forgotten.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import type { DeviceFolderRow } from "../../src/log/folder_state.ts";
import type { Winner } from "../../src/cli/folder_winners.ts";
import { otherCounting } from "../../src/cli/standing_other.ts";
import { testDevice } from "../files/helpers.ts";

const maker = testDevice(1), other = testDevice(2);
const makerKey = DeviceKey.fromId(maker), otherKey = DeviceKey.fromId(other);
const HASH = "c".repeat(64);

/** A winner of one version at `path` holding 100 bytes, carried by the maker's entry `seq`. */
function winner(path: string, seq: number): Winner {
  const version: FileVersion = {
    path,
    mtime: 1,
    modifiedBy: maker,
    vv: new Map([[maker, seq]]),
    kind: "file",
    exec: false,
    size: 100,
    chunks: { inline: [{ hash: HASH, length: 100 }] },
  };
  return {
    path,
    kind: "file",
    size: 100,
    version,
    bytes: encodeFileVersion(version),
    dots: [[makerKey.hex, seq]],
    maker: makerKey.hex,
    conflict: false,
    losers: [],
    versions: [version],
  };
}

// "a" (seq 1) it had seen; "b" (seq 2), a copy of it, it had not.
const list = [winner("a", 1), winner("b", 2)];
const row: DeviceFolderRow = {
  joinedSeq: 1,
  joined: true,
  progressSeq: 1,
  progress: { needFiles: 0, needBytes: 0, conflicts: 0, stopped: "", frontier: [[makerKey, 1]] },
};

function count(frontier: Map<string, number>): { files: number; bytes: number; again: number } {
  let again = 0;
  const c = otherCounting(otherKey.hex, row, () => undefined, frontier, () => {
    again++;
    return list;
  });
  for (const w of list) c.add(w);
  c.end();
  return { files: c.behindFiles, bytes: c.behindBytes, again };
}

Deno.test("a copy of content it had seen costs it no bytes: keyed as the winners go by", () => {
  // The folder's frontier (seq 2) is past its record's (1): it may be behind.
  assert.deepEqual(count(new Map([[makerKey.hex, 2]])), { files: 1, bytes: 0, again: 0 });
});

Deno.test("a version behind past the folder's frontier: the content gone by is keyed in a second pass", () => {
  // A frontier that says nothing can be behind, and yet "b" is: "a" went by unkeyed.
  assert.deepEqual(count(new Map([[makerKey.hex, 1]])), { files: 1, bytes: 0, again: 1 });
});
