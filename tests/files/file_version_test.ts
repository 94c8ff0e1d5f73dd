/**
 * @module file_version_test
 * The file-version codec: valid versions round-trip byte for byte; every
 * byte string the decoder accepts re-encodes to itself (fuzzed from valid
 * encodings, mutations and random CBOR); the encoder refuses exactly what
 * the decoder would (fuzzed with broken fields); bounds hold.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import {
  decodeFileVersion,
  decodeStoredFileVersion,
  encodeFileVersion,
  mayNameManifest,
  storedFileContent,
} from "../../src/log/file_version_codec.ts";
import { contentKey } from "../../src/files/version_content.ts";
import {
  type FileVersion,
  MAX_FILE_VERSION_BYTES,
  MAX_MTIME,
  MIN_MTIME,
} from "../../src/log/file_version.ts";
import { MAX_INLINE_CHUNKS, MIN_CHUNK_FLOOR } from "../../src/log/chunk_list.ts";
import { MAX_VV_ENTRIES } from "../../src/log/version_vector.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { deviceIdFromKey, parseDeviceId } from "../../src/log/device_id.ts";
import { assertBytes, assertMycelError } from "../helpers/assert.ts";
import { testDevice } from "./helpers.ts";

/** Records with Object.prototype, as decoded values have. */
const PLAIN = { noNullPrototype: true };
const DEVICES = [1, 2, 3, 4, 5].map(testDevice);
const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => b.toHex());
const segment = fc.stringMatching(/^[A-Za-z0-9 ._é-]{1,12}$/).filter((s) =>
  s !== "." && s !== ".." && !s.startsWith(".mycel")
);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/"));

const vvFor = (author: string) =>
  fc.subarray(DEVICES).chain((others) =>
    fc.tuple(
      ...[author, ...others.filter((d) => d !== author)].map((d) =>
        fc.tuple(fc.constant(d), fc.integer({ min: 1, max: 2 ** 40 }))
      ),
    )
  ).map((pairs) => new Map(pairs));

const base = fc.constantFrom(...DEVICES).chain((modifiedBy) =>
  fc.record({
    path,
    mtime: fc.integer({ min: MIN_MTIME, max: MAX_MTIME }),
    modifiedBy: fc.constant(modifiedBy),
    vv: vvFor(modifiedBy),
  }, PLAIN)
);

const inlineFile = fc.array(
  fc.record({ hash: hex64, length: fc.integer({ min: 1, max: 16 << 20 }) }, PLAIN),
  { maxLength: MAX_INLINE_CHUNKS },
).map((chunks) => ({
  size: chunks.reduce((s, c) => s + c.length, 0),
  chunks: { inline: chunks },
}));

const manifestFile = fc.integer({ min: MAX_INLINE_CHUNKS + 1, max: 1_000_000 }).chain((count) =>
  fc.record({
    // Every chunk but the last is at least MIN_CHUNK_FLOOR bytes.
    size: fc.integer({ min: (count - 1) * MIN_CHUNK_FLOOR + 1, max: count * (16 << 20) }),
    chunks: fc.record({ manifest: hex64, count: fc.constant(count) }, PLAIN),
  }, PLAIN)
);

/** Any valid version. */
export const arbVersion: fc.Arbitrary<FileVersion> = fc.oneof(
  fc.tuple(base, fc.oneof(inlineFile, manifestFile), fc.boolean()).map(([b, f, exec]) => ({
    ...b,
    kind: "file" as const,
    exec,
    ...f,
  })),
  fc.tuple(base, fc.string({ minLength: 1, maxLength: 40 }).filter((t) => !/[\p{Cc}]/u.test(t)))
    .map(([b, target]) => ({
      ...b,
      kind: "symlink" as const,
      target,
    })),
  base.map((b) => ({ ...b, kind: "deleted" as const })),
  // A deletion naming the content it deleted (optional: written only when present).
  fc.tuple(base, hex64).map(([b, deletedContent]) => ({
    ...b,
    kind: "deleted" as const,
    deletedContent,
  })),
);

/** Decode; when accepted, the bytes must be exactly the re-encoding. */
function acceptedOnlyIfCanonical(bytes: Uint8Array): void {
  let v: FileVersion;
  try {
    v = decodeFileVersion(bytes);
  } catch (e) {
    assert.ok(isMycelError(e, "bad_file_version"), String(e));
    return;
  }
  assertBytes(encodeFileVersion(v), bytes);
}

Deno.test("property: valid versions round-trip and re-encode byte for byte", () => {
  fc.assert(
    fc.property(arbVersion, (v) => {
      const bytes = encodeFileVersion(v);
      const back = decodeFileVersion(bytes);
      assert.deepEqual(back, v);
      assertBytes(encodeFileVersion(back), bytes);
    }),
    { numRuns: 400 },
  );
});

Deno.test("property: a stored version reads back as the strict decoder reads it, and its content as its content key says", () => {
  fc.assert(
    fc.property(arbVersion, (v) => {
      const bytes = encodeFileVersion(v);
      assert.deepEqual(decodeStoredFileVersion(bytes), decodeFileVersion(bytes));
      const content = storedFileContent(bytes);
      if (v.kind !== "file") assert.equal(content, undefined);
      else assert.equal(content && contentKey(content), contentKey(v));
    }),
    { numRuns: 400 },
  );
});

Deno.test("fuzz: mutated encodings are refused with bad_file_version or re-encode identically", () => {
  fc.assert(
    fc.property(
      arbVersion,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat(2)), {
        minLength: 1,
        maxLength: 4,
      }),
      (v, edits) => {
        const bytes = [...encodeFileVersion(v)];
        for (const [at, value, op] of edits) {
          const i = at % (bytes.length + 1);
          if (op === 0) bytes[Math.min(i, bytes.length - 1)] = value;
          else if (op === 1) bytes.splice(i, 0, value);
          else bytes.splice(i, 1);
        }
        acceptedOnlyIfCanonical(new Uint8Array(bytes));
      },
    ),
    { numRuns: 1500 },
  );
});

Deno.test("fuzz: arbitrary CBOR values of the right outline decode only when canonical", () => {
  const field = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }), // the profile has no NaN or infinities
    fc.string({ maxLength: 8 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 34 }),
    fc.uint8Array({ minLength: 32, maxLength: 32 }), // a deletion's named content
    fc.array(fc.oneof(fc.integer(), fc.uint8Array({ minLength: 31, maxLength: 33 })), {
      maxLength: 6,
    }),
  );
  fc.assert(
    fc.property(fc.array(field, { minLength: 5, maxLength: 10 }), (rest) => {
      acceptedOnlyIfCanonical(encodeCbor([1, ...rest]));
    }),
    { numRuns: 1000 },
  );
});

Deno.test("fuzz: the encoder refuses every broken field the decoder would refuse", () => {
  const breakers: ((v: FileVersion) => FileVersion)[] = [
    (v) => ({ ...v, path: "../x" }),
    (v) => ({ ...v, path: "a//b" }),
    (v) => ({ ...v, path: ".mycel/versions/x" }),
    (v) => ({ ...v, mtime: MAX_MTIME + 1 }),
    (v) => ({ ...v, mtime: 1.5 }),
    (v) => ({ ...v, vv: new Map([...v.vv].filter(([d]) => d !== v.modifiedBy)) }),
    (v) => ({ ...v, vv: new Map([...v.vv].map(([d]) => [d, 0])) }),
    (v) => v.kind === "file" ? { ...v, size: -1 } : { ...v, path: "/abs" },
    (v) =>
      v.kind === "file" && "inline" in v.chunks
        ? { ...v, size: v.size + 1 }
        : { ...v, path: "a\\b" },
    (v) => v.kind === "symlink" ? { ...v, target: "a\nb" } : { ...v, path: "a\0b" },
    (v) => v.kind === "deleted" ? { ...v, deletedContent: "AB".repeat(32) } : { ...v, mtime: NaN },
    (v) => v.kind === "deleted" ? { ...v, deletedContent: "ab".repeat(31) } : { ...v, path: "" },
  ];
  fc.assert(
    fc.property(arbVersion, fc.nat(breakers.length - 1), (v, which) => {
      assertMycelError(() => encodeFileVersion(breakers[which](v)), "bad_file_version");
    }),
    { numRuns: 400 },
  );
});

Deno.test("a 10 GB file's version is a small record naming its manifest", () => {
  const v: FileVersion = {
    path: "videos/holiday.mkv",
    kind: "file",
    mtime: Date.UTC(2026, 0, 2),
    modifiedBy: DEVICES[0],
    vv: new Map([[DEVICES[0], 3]]),
    size: 10e9,
    exec: false,
    chunks: { manifest: "ab".repeat(32), count: 40_000 },
  };
  const bytes = encodeFileVersion(v);
  assert.ok(bytes.length < 200, `${bytes.length} bytes`);
  assert.deepEqual(decodeFileVersion(bytes), v);
});

// The blob sweep skips versions whose bytes say they name no manifest: one
// it skipped wrongly would have its manifest blobs deleted from the home.
Deno.test("property: a version's bytes say it may name a manifest whenever it does", () => {
  fc.assert(
    fc.property(arbVersion, (v) => {
      const names = v.kind === "file" && "manifest" in v.chunks;
      const bytes = encodeFileVersion(v);
      if (names) assert.ok(mayNameManifest(bytes), JSON.stringify(v.chunks));
      // Inline lists, links and deletions are skipped (a deletion's 32-byte
      // digest ends like a root, but no count follows it).
      else assert.equal(mayNameManifest(bytes), false, v.kind);
    }),
    { numRuns: 2000 },
  );
  // Each width of the count's integer: 1, 2, 3, 5 and 9 bytes.
  for (const count of [9, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40]) {
    const v: FileVersion = {
      path: "disk.img",
      kind: "file",
      mtime: Date.UTC(2026, 11, 7),
      modifiedBy: DEVICES[0],
      vv: new Map([[DEVICES[0], 1]]),
      size: count * MIN_CHUNK_FLOOR,
      exec: false,
      chunks: { manifest: "cd".repeat(32), count },
    };
    let bytes: Uint8Array;
    try {
      bytes = encodeFileVersion(v);
    } catch {
      continue; // past what a version may list: no such version exists
    }
    assert.ok(mayNameManifest(bytes), `count ${count}`);
    assert.equal(mayNameManifest(bytes.subarray(0, bytes.length - 1)), false, `cut, ${count}`);
  }
});

// Found by a review: a member's version claiming 4096³ one-byte chunks under
// three repeated blobs ran every device that read its list out of memory.
Deno.test("a version claiming more chunks than its size can be cut into is refused both ways", () => {
  const count = 4096 ** 3;
  const v: FileVersion = {
    path: "bomb.bin",
    kind: "file",
    mtime: Date.UTC(2026, 0, 2),
    modifiedBy: DEVICES[0],
    vv: new Map([[DEVICES[0], 1]]),
    size: count,
    exec: false,
    chunks: { manifest: "ab".repeat(32), count },
  };
  assertMycelError(() => encodeFileVersion(v), "bad_file_version");
  // The same bytes as a peer would send them: the decoder refuses them too.
  const forged = encodeFileVersion({ ...v, size: (count - 1) * MIN_CHUNK_FLOOR + 1 });
  const shrunk = { ...v, size: (count - 1) * MIN_CHUNK_FLOOR };
  assertMycelError(() => decodeFileVersion(swapSize(forged, shrunk.size)), "bad_file_version");
  // The least size the floor allows is fine: the last chunk may be one byte.
  assert.equal(decodeFileVersion(forged).kind, "file");
});

/** `bytes` (a version) with its size field replaced by `size` (both past 2^32: CBOR float64s). */
function swapSize(bytes: Uint8Array, size: number): Uint8Array {
  const f64 = (n: number) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, n);
    return "fb" + b.toHex();
  };
  const hex = bytes.toHex();
  assert.equal(hex.split(f64(size + 1)).length, 2, "the size field is found once");
  return Uint8Array.fromHex(hex.replace(f64(size + 1), f64(size)));
}

Deno.test("decoder refuses oversize input, too many devices and inline lists past 8 chunks", () => {
  assertMycelError(
    () => decodeFileVersion(new Uint8Array(MAX_FILE_VERSION_BYTES + 1)),
    "bad_file_version",
  );
  const author = DEVICES[0];
  const v: FileVersion = {
    path: "a",
    kind: "deleted",
    mtime: 0,
    modifiedBy: author,
    vv: new Map(
      Array.from({ length: MAX_VV_ENTRIES + 1 }, (_, i) => {
        const key = new Uint8Array(32).fill(i === 0 ? 1 : 0);
        if (i > 0) key.set([7, i >> 8, i & 255]);
        return [deviceIdFromKey(key), 1];
      }),
    ),
  };
  assertMycelError(() => encodeFileVersion(v), "bad_file_version");
  const nine = Array.from({ length: 9 }, () => ({ hash: "00".repeat(32), length: 1 }));
  assertMycelError(
    () =>
      encodeFileVersion({
        path: "a",
        kind: "file",
        mtime: 0,
        modifiedBy: author,
        vv: new Map([[author, 1]]),
        size: 9,
        exec: false,
        chunks: { inline: nine },
      }),
    "bad_file_version",
  );
});

// Found by a review: a vector built here too wide to encode read "Cannot read
// file version: version vector names over 256 devices", naming no path, as if
// a peer's bytes were at fault.
Deno.test("encoding a version whose vector names too many devices names the path and says it was writing", () => {
  const author = DEVICES[0];
  const vv = new Map(
    Array.from({ length: MAX_VV_ENTRIES + 2 }, (_, i) => {
      const key = new Uint8Array(32).fill(i === 0 ? 1 : 0);
      if (i > 0) key.set([7, i >> 8, i & 255]);
      return [deviceIdFromKey(key), 1];
    }),
  );
  const v: FileVersion = { path: "dir/m.txt", kind: "deleted", mtime: 0, modifiedBy: author, vv };
  assert.throws(
    () => encodeFileVersion(v),
    (e: unknown) =>
      isMycelError(e, "bad_file_version") &&
      e.message ===
        "Cannot write file version: its version vector names 258 devices, over 256 (dir/m.txt)",
  );
});

const parseKey = (id: string) => parseDeviceId(id).publicKey;

Deno.test("a deletion names the content it deleted only when known: both forms decode, each has one byte form", () => {
  const author = DEVICES[0];
  const plain: FileVersion = {
    path: "notes.txt",
    kind: "deleted",
    mtime: Date.UTC(2026, 11, 6),
    modifiedBy: author,
    vv: new Map([[author, 2]]),
  };
  const named: FileVersion = { ...plain, deletedContent: "5e".repeat(32) };
  const old = encodeFileVersion(plain);
  // The form deletions had before the field: six items, still read as before.
  assertBytes(
    old,
    encodeCbor([1, "notes.txt", 2, plain.mtime, parseKey(author), [parseKey(author), 2]]),
  );
  assert.deepEqual(decodeFileVersion(old), plain);
  assert.ok(!("deletedContent" in decodeFileVersion(old)));
  const bytes = encodeFileVersion(named);
  assert.equal(bytes.length, old.length + 34); // a 32-byte string, one byte more for the array head
  assert.deepEqual(decodeFileVersion(bytes), named);
  // Refused: another length, a text instead of bytes, a field more.
  const withTail = (tail: unknown[]) =>
    encodeCbor([1, "notes.txt", 2, plain.mtime, parseKey(author), [parseKey(author), 2], ...tail]);
  for (
    const tail of [[new Uint8Array(31)], [new Uint8Array(33)], ["5e".repeat(32)], [
      new Uint8Array(32),
      new Uint8Array(32),
    ]]
  ) {
    assertMycelError(() => decodeFileVersion(withTail(tail)), "bad_file_version");
  }
  assert.equal(
    (decodeFileVersion(withTail([new Uint8Array(32).fill(0xab)])) as { deletedContent?: string })
      .deletedContent,
    "ab".repeat(32),
  );
});

Deno.test("a version with more than this release reads is refused as a newer release's, not as damage", () => {
  const author = DEVICES[0];
  const head = (kind: number) => [
    1,
    "notes.txt",
    kind,
    Date.UTC(2026, 11, 6),
    parseKey(author),
    [parseKey(author), 2],
  ];
  const cases: unknown[][] = [
    [...head(2), new Uint8Array(32), "a field from later"], // a deletion, one field more
    [...head(1), "target", 7], // a symlink, one field more
    [...head(0), 3, false, [], "more"], // a file, one field more
    [...head(3)], // a kind this release does not know
  ];
  for (const x of cases) {
    assert.throws(
      () => decodeFileVersion(encodeCbor(x)),
      (e: unknown) =>
        isMycelError(e, "bad_file_version") && /newer mycel\? Update mycel on this device/.test(
          (e as Error).message,
        ),
      JSON.stringify(x.slice(2, 3)),
    );
  }
  // Damage stays damage: a field missing is not put down to a newer release.
  assert.throws(
    () => decodeFileVersion(encodeCbor([...head(1)])),
    (e: unknown) => isMycelError(e, "bad_file_version") && !/newer/.test((e as Error).message),
  );
});
