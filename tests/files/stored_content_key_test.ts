/**
 * @module stored_content_key_test
 * The content of a stored version read from its bytes (src/log/stored_content_key.ts,
 * what `folder status` compares a folder's winners and index rows by):
 * equal keys, and sameStoredContent, exactly when sameContent says the
 * decoded versions hold the same content — whatever their paths, makers,
 * vectors, mtimes and exec bits; sizes past 2^32 (written as float64)
 * included; its kind and size read alike. Bytes that are no version's
 * encoding give no key.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import {
  sameStoredContent,
  storedContentKey,
  storedKindSize,
} from "../../src/log/stored_content_key.ts";
import { sameContent } from "../../src/files/version_content.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { MIN_CHUNK_FLOOR } from "../../src/log/chunk_list.ts";
import { testDevice } from "./helpers.ts";

const PLAIN = { noNullPrototype: true };
const DEVICES = [1, 2, 3].map(testDevice);
// Few values of each field, so that two versions often hold the same content.
const HASHES = ["a", "b"].map((c) => c.repeat(64));

const base = fc.constantFrom(...DEVICES).chain((modifiedBy) =>
  fc.record({
    path: fc.constantFrom("a", "b/c.txt", "é"),
    mtime: fc.constantFrom(0, 1_700_000_000_000, 2 ** 33),
    modifiedBy: fc.constant(modifiedBy),
    vv: fc.constantFrom(1, 2 ** 33).map((n) => new Map([[modifiedBy, n]])),
  }, PLAIN)
);

const inline = fc.array(
  fc.record({ hash: fc.constantFrom(...HASHES), length: fc.constantFrom(1, 30, 16 << 20) }, PLAIN),
  { maxLength: 3 },
).map((chunks) => ({
  size: chunks.reduce((s, c) => s + c.length, 0),
  chunks: { inline: chunks },
}));

const manifest = fc.constantFrom(9, 300).chain((count) =>
  fc.record({
    // 2^32 + 5: a size written as float64.
    size: fc.constantFrom((count - 1) * MIN_CHUNK_FLOOR + 1, count === 300 ? 2 ** 32 + 5 : 1e6),
    chunks: fc.record({ manifest: fc.constantFrom(...HASHES), count: fc.constant(count) }, PLAIN),
  }, PLAIN)
);

const version: fc.Arbitrary<FileVersion> = fc.oneof(
  fc.tuple(base, fc.oneof(inline, manifest), fc.boolean()).map(([b, f, exec]) => ({
    ...b,
    kind: "file" as const,
    exec,
    ...f,
  })),
  fc.tuple(base, fc.constantFrom("x", "y/z")).map(([b, target]) => ({
    ...b,
    kind: "symlink" as const,
    target,
  })),
  base.map((b) => ({ ...b, kind: "deleted" as const })),
  fc.tuple(base, fc.constantFrom(...HASHES)).map(([b, deletedContent]) => ({
    ...b,
    kind: "deleted" as const,
    deletedContent,
  })),
);

Deno.test("property: stored bytes hold the same content exactly when the versions do", () => {
  let same = 0;
  fc.assert(
    fc.property(version, version, (a, b) => {
      const x = encodeFileVersion(a), y = encodeFileVersion(b);
      const want = sameContent(a, b);
      if (want) same++;
      assert.equal(sameStoredContent(x, y), want);
      const kx = storedContentKey(x), ky = storedContentKey(y);
      assert.notEqual(kx, undefined);
      assert.equal(kx === ky, want);
    }),
    { numRuns: 2000 },
  );
  // The pairs were not all of different content: the property was tried both ways.
  assert.ok(same > 100, `only ${same} pairs of the same content`);
});

Deno.test("property: a stored version's kind and size read from its bytes are the decoded ones", () => {
  fc.assert(
    fc.property(version, (v) => {
      const want = { kind: v.kind, size: v.kind === "file" ? v.size : 0 };
      assert.deepEqual(storedKindSize(encodeFileVersion(v)), want);
    }),
    { numRuns: 500 },
  );
});

Deno.test("bytes that are no version's encoding have no content key and hold nothing", () => {
  const file: FileVersion = {
    path: "a",
    mtime: 1,
    modifiedBy: DEVICES[0],
    vv: new Map([[DEVICES[0], 1]]),
    kind: "file",
    exec: false,
    size: 30,
    chunks: { inline: [{ hash: HASHES[0], length: 30 }] },
  };
  const bytes = encodeFileVersion(file);
  assert.equal(sameStoredContent(bytes, bytes), true);
  for (let n = 0; n < bytes.length; n++) {
    const cut = bytes.subarray(0, n);
    assert.equal(storedContentKey(cut), undefined, `the first ${n} bytes`);
    assert.equal(storedKindSize(cut), undefined);
    assert.equal(sameStoredContent(cut, cut), false);
  }
  for (const other of [[1, 2], [1, "a", 0], "text", [1, "a", 9, 1, new Uint8Array(32), []]]) {
    assert.equal(storedContentKey(encodeCbor(other)), undefined, JSON.stringify(other));
  }
});
