/**
 * @module conflict_name_parse_test
 * Reading a conflict copy's name back (src/files/conflict_name.ts):
 * every name conflict.ts makes for a name that fits gives back the path,
 * the maker's short id and the mtime in whole seconds; names that are not
 * copies give nothing.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  conflictCopyPath,
  isConflictCopy,
  parseConflictCopy,
} from "../../src/files/conflict_name.ts";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { fileVersion as file, testDevice } from "./helpers.ts";

const DEVICES = [testDevice(1), testDevice(2), testDevice(3)];

const segment = fc.stringMatching(/^[a-zA-Z0-9 ._~-]{1,40}$/).filter((s) =>
  s !== "." && s !== ".."
);

Deno.test("property: a copy's name gives back its path, maker and mtime in whole seconds", () => {
  fc.assert(
    fc.property(
      fc.array(segment, { minLength: 1, maxLength: 4 }),
      fc.constantFrom(...DEVICES),
      fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }),
      fc.boolean(),
      (parts, by, mtime, byContent) => {
        const path = parts.join("/");
        const copy = conflictCopyPath(file(path, by, mtime), byContent);
        assert.ok(isConflictCopy(copy), copy);
        const n = parseConflictCopy(copy);
        assert.deepEqual(n, {
          of: path,
          device: shortDeviceId(by),
          modifiedMs: Math.floor(mtime / 1000) * 1000,
        });
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("names that are not conflict copies give nothing", () => {
  for (
    const name of [
      "report.pdf",
      "a.sync-conflict-2026120-035938-IE3CLU6.txt", // a digit short
      "a.sync-conflict-20261207-035938-IE3CLU.txt", // a short id short
      "a.sync-conflict-20261207-035938-ie3clu6.txt", // not base32
      ".sync-conflict-20261207-035938-IE3CLU6.txt", // no name before it
      "d/.sync-conflict-20261207-035938-IE3CLU6",
    ]
  ) assert.equal(parseConflictCopy(name), undefined, name);
  for (const name of ["report.pdf", "a.sync-conflict-20261207-035938-IE3CLU.txt"]) {
    assert.equal(isConflictCopy(name), false, name);
  }
});

Deno.test("a long name cut to fit still parses, as what the name spells", () => {
  const path = `d/${"é".repeat(120)}.txt`;
  const copy = conflictCopyPath(file(path, DEVICES[0], 0));
  const n = parseConflictCopy(copy);
  assert.ok(n !== undefined);
  assert.notEqual(n.of, path, "the cut stem is not the original: callers check it");
  assert.match(n.of, /~[0-9a-f]{8}\.txt$/);
});
