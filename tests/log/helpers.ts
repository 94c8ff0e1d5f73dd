/**
 * @module helpers
 * Shared pieces of the log and storage tests: an any-Error assertion (the
 * MycelError ones are in tests/helpers/assert.ts), cached device
 * keys, a small device that appends real signed entries, hand-made entry
 * bodies, and fast-check arbitraries for every op type.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, hasControlChar, toBase64, utf8 } from "../../src/bytes.ts";
import { type Hlc, HlcClock } from "../../src/crdt/hlc.ts";
import type { Json, JsonObject } from "../../src/crdt/json.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceFields, DeviceRecord } from "../../src/log/device_record.ts";
import { createEntry, type SignedEntry } from "../../src/log/entry.ts";
import { type DeviceKeys, generateDeviceKeys, Signer } from "../../src/log/identity.ts";
import { encodeOp, type Op } from "../../src/log/ops.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import type { FolderProgress } from "../../src/log/file_ops.ts";

// ---------------------------------------------------------------------------
// Error assertions

/** Run `fn`, expect an Error (any kind, never a non-Error value), and return it. */
export function assertThrowsError(fn: () => unknown, label = ""): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    assert.fail(`${label}: threw a non-Error value ${String(e)}`);
  }
  assert.fail(`${label}: expected an Error, nothing was thrown`);
}

// ---------------------------------------------------------------------------
// Keys and devices

const keyCache: DeviceKeys[] = [];

/** `n` distinct device key sets, generated once per module and reused. */
export async function testKeys(n: number): Promise<DeviceKeys[]> {
  while (keyCache.length < n) keyCache.push(await generateDeviceKeys());
  return keyCache.slice(0, n);
}

/** The prefix every entry signature covers (see entry.ts). */
export const ENTRY_CONTEXT = utf8("mycel/entry/v1\0");

/** A device appending real, signed, hash-chained entries to its own log. */
export class TestDevice {
  readonly keys: DeviceKeys;
  readonly signer: Signer;
  readonly key: DeviceKey;
  /** Display id of `key`. */
  readonly id: string;
  readonly clock: HlcClock;
  /** Every entry this device made, in order. */
  readonly log: SignedEntry[] = [];

  constructor(keys: DeviceKeys) {
    this.keys = keys;
    this.signer = new Signer(keys);
    this.key = DeviceKey.of(keys.signPublic);
    this.id = this.key.id;
    this.clock = new HlcClock(this.key.hex);
  }

  /** This device's record as its own keys give it (no endpoints, no address). */
  record(name = `dev-${this.key.short.toLowerCase()}`): DeviceRecord {
    return {
      key: this.key,
      id: this.id,
      name,
      noiseKey: toBase64(this.keys.noisePublic),
      wgKey: toBase64(this.keys.wgPublic),
      endpoints: [],
      ipv4: "",
      wgPort: 0,
    };
  }

  /** Append an entry holding `ops`, stamped at physical time `wall`. */
  async append(ops: readonly Op[], wall: number): Promise<SignedEntry> {
    return await this.appendAt(ops, this.clock.now(wall));
  }

  /** Append an entry with an explicit HLC stamp (bypasses the clock). */
  async appendAt(ops: readonly Op[], hlc: Hlc): Promise<SignedEntry> {
    const last = this.log.at(-1);
    const e = await createEntry(this.signer, {
      seq: this.log.length + 1,
      prev: last?.hash ?? null,
      hlc,
      ops,
    });
    this.log.push(e);
    return e;
  }
}

/** Fresh devices over the first `n` cached key sets. */
export async function testDevices(n: number): Promise<TestDevice[]> {
  return (await testKeys(n)).map((k) => new TestDevice(k));
}

/**
 * The wire form of a hand-made entry: `fields` is the body array (normally
 * `[1, key, seq, prev, wall, counter, ops]`), signed by `signer`.
 */
export async function handMadeEntry(signer: Signer, fields: unknown[]): Promise<Uint8Array> {
  const body = encodeCbor(fields);
  const signature = await signer.sign(concatBytes(ENTRY_CONTEXT, body));
  return encodeCbor([body, signature]);
}

/** The body fields of a normal entry, for tweaking one at a time. */
export function bodyFields(
  signer: Signer,
  over: Partial<{
    version: unknown;
    key: unknown;
    seq: unknown;
    prev: unknown;
    wall: unknown;
    counter: unknown;
    ops: unknown;
  }> = {},
): unknown[] {
  const has = (k: string) => Object.hasOwn(over, k);
  return [
    has("version") ? over.version : 1,
    has("key") ? over.key : signer.publicKey,
    has("seq") ? over.seq : 1,
    has("prev") ? over.prev : null,
    has("wall") ? over.wall : 1_700_000_000_000,
    has("counter") ? over.counter : 0,
    has("ops") ? over.ops : [encodeOp({ type: "app.add", name: "git" })],
  ];
}

/** Byte offset of `needle` inside `hay`, or -1. */
export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Structured copy: plain prototypes everywhere, so deepStrictEqual compares data only. */
export function plainCopy<T>(x: T): T {
  return structuredClone(x);
}

/** True when the object graph `x` has an own `__proto__` key anywhere. */
export function hasProtoKey(x: unknown): boolean {
  if (typeof x !== "object" || x === null) return false;
  if (Array.isArray(x)) return x.some(hasProtoKey);
  return Object.keys(x).some((k) => k === "__proto__" || hasProtoKey((x as JsonObject)[k]));
}

/** Replace -0 by 0 throughout (CBOR and JSON both forget the sign of zero). */
export function noNegativeZero<T extends Json>(x: T): T {
  if (typeof x === "number") return (Object.is(x, -0) ? 0 : x) as T;
  if (Array.isArray(x)) return x.map(noNegativeZero) as T;
  if (x !== null && typeof x === "object") {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(x)) out[k] = noNegativeZero(v);
    return out as T;
  }
  return x;
}

// ---------------------------------------------------------------------------
// Arbitraries

const NAME_CHARS = [..."abcXYZ019_-.:/@ é中🙂"];

/** Valid names (pref keys, app names, pattern ids): no control chars, no edge spaces. */
export const nameArb: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 24 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  )
  .filter((s) => s.length <= 256 && s.trim() === s && !hasControlChar(s));

/** Valid dotted config keys. */
export const configKeyArb: fc.Arbitrary<string> = fc
  .array(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join("."))
  .filter((k) => k.length <= 256);

/** Valid preference values (well-formed Unicode; CBOR keeps it exactly). */
export const prefValueArb: fc.Arbitrary<string> = fc.string({ unit: "grapheme", maxLength: 40 });

/** JSON values without `-0` and without `__proto__` keys. */
export const jsonArb: fc.Arbitrary<Json> = fc
  .jsonValue({ maxDepth: 3 })
  .map((v) => noNegativeZero(v as Json))
  .filter((v) => !hasProtoKey(v));

/** A pattern object (JSON object with a string `id`). */
export function patternArb(id: fc.Arbitrary<string> = nameArb): fc.Arbitrary<JsonObject> {
  return fc.record({
    id,
    extra: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), jsonArb, { maxKeys: 3 }),
  }).map(({ id, extra }) => {
    const { id: _drop, ...rest } = extra;
    return { ...rest, id };
  });
}

/** Any 32 bytes as a device key (keys need not be valid curve points). */
export const deviceKeyArb: fc.Arbitrary<DeviceKey> = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => DeviceKey.of(b));

/** A dot `(author, seq)`. */
export const dotArb = fc.record({
  author: deviceKeyArb,
  seq: fc.oneof(
    fc.integer({ min: 1, max: 100 }),
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  ),
});

/** Endpoints in canonical form (what the decoder gives back). */
export const endpointArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  fc.tuple(fc.domain(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
  fc.constantFrom("[fd00::1]:7850", "[::1]:1", "[fe80::1%eth0]:65535", "[2001:db8::42]:443"),
);

const key32Arb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toBase64);
const ipv4Arb = fc.oneof(
  fc.constant(""),
  fc.tuple(fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)).map(([a, b, c]) =>
    `100.${a}.${b}.${c}`
  ),
);
const deviceNameArb = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
  .filter((s) => s.length <= 64 && !hasControlChar(s));

/** Complete device fields. */
export const deviceFieldsArb: fc.Arbitrary<DeviceFields> = fc.record({
  name: deviceNameArb,
  noiseKey: key32Arb,
  wgKey: key32Arb,
  endpoints: fc.array(endpointArb, { maxLength: 4 }),
  ipv4: ipv4Arb,
  wgPort: fc.integer({ min: 0, max: 65535 }),
});

/** Some device fields (possibly none). */
export const partialDeviceFieldsArb: fc.Arbitrary<Partial<DeviceFields>> = fc.record({
  name: deviceNameArb,
  noiseKey: key32Arb,
  wgKey: key32Arb,
  endpoints: fc.array(endpointArb, { maxLength: 4 }),
  ipv4: ipv4Arb,
  wgPort: fc.integer({ min: 0, max: 65535 }),
}, { requiredKeys: [] });

/** A complete device record. */
export const deviceRecordArb: fc.Arbitrary<DeviceRecord> = fc
  .tuple(deviceKeyArb, deviceFieldsArb)
  .map(([key, f]) => ({ key, id: key.id, ...f }));

const observedArb = fc.option(fc.array(dotArb, { maxLength: 3 }), { nil: undefined });
const withObserved = <T extends object>(
  op: T,
  observed: ReturnType<typeof dotArb.generate>["value"][] | undefined,
) => observed === undefined ? op : { ...op, observed };

/** A folder id. */
export const folderIdArb: fc.Arbitrary<string> = fc.stringMatching(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/,
);

const pathSegmentArb = fc.stringMatching(/^[A-Za-z0-9 _é-][A-Za-z0-9 ._é-]{0,10}$/)
  .filter((s) => s !== "." && s !== ".." && !s.startsWith(".mycel") && s.trim() === s);

/** A file version made by `maker` (file, symlink or deletion; small chunk lists). */
export function fileVersionArb(
  maker: fc.Arbitrary<DeviceKey> = deviceKeyArb,
): fc.Arbitrary<FileVersion> {
  const base = fc.record({
    path: fc.array(pathSegmentArb, { minLength: 1, maxLength: 3 }).map((s) => s.join("/")),
    mtime: fc.integer({ min: 0, max: 4102444800000 }),
    by: maker,
    others: fc.array(fc.tuple(deviceKeyArb, fc.integer({ min: 1, max: 1000 })), { maxLength: 3 }),
    own: fc.integer({ min: 1, max: 1000 }),
  }).map(({ path, mtime, by, others, own }) => ({
    path,
    mtime,
    modifiedBy: by.id,
    vv: new Map([...others.map(([k, n]) => [k.id, n] as const), [by.id, own]]),
  }));
  const chunk = fc.record({
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => b.toHex()),
    length: fc.integer({ min: 1, max: 1 << 20 }),
  });
  return fc.oneof(
    fc.tuple(base, fc.array(chunk, { maxLength: 8 }), fc.boolean()).map(([b, chunks, exec]) => ({
      ...b,
      kind: "file" as const,
      size: chunks.reduce((s, c) => s + c.length, 0),
      exec,
      chunks: { inline: chunks },
    })),
    fc.tuple(base, fc.stringMatching(/^[a-z./]{1,20}$/)).map(([b, target]) => ({
      ...b,
      kind: "symlink" as const,
      target,
    })),
    base.map((b) => ({ ...b, kind: "deleted" as const })),
  );
}

/** A progress record. */
export const progressArb: fc.Arbitrary<FolderProgress> = fc.record({
  needFiles: fc.nat(),
  needBytes: fc.nat(),
  conflicts: fc.nat(),
  stopped: fc.constantFrom("", "marker missing"),
  frontier: fc.uniqueArray(deviceKeyArb, { maxLength: 3, selector: (k) => k.hex })
    .chain((keys) =>
      fc.tuple(
        ...keys.sort((a, b) => a.compare(b)).map((k) =>
          fc.tuple(fc.constant(k), fc.integer({ min: 1, max: 1e6 }))
        ),
      )
    ),
});

/** Every op type, with valid contents. */
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(
    fc.record({ type: fc.constant("config.set" as const), key: configKeyArb, value: jsonArb }),
    observedArb,
  )
    .map(([op, o]) => withObserved(op, o)),
  fc.tuple(
    fc.record({ type: fc.constant("config.unset" as const), key: configKeyArb }),
    observedArb,
  )
    .map(([op, o]) => withObserved(op, o)),
  fc.tuple(
    fc.record({ type: fc.constant("pref.set" as const), key: nameArb, value: prefValueArb }),
    observedArb,
  )
    .map(([op, o]) => withObserved(op, o)),
  fc.tuple(fc.record({ type: fc.constant("pref.unset" as const), key: nameArb }), observedArb)
    .map(([op, o]) => withObserved(op, o)),
  fc.record({ type: fc.constant("app.add" as const), name: nameArb }),
  nameArb.chain((id) =>
    patternArb(fc.constant(id)).map((value) => ({ type: "pattern.add" as const, id, value }))
  ),
  fc.record({
    type: fc.constant("pattern.remove" as const),
    id: nameArb,
    dots: fc.array(dotArb, { maxLength: 4 }),
  }),
  fc.record({ type: fc.constant("device.add" as const), device: deviceRecordArb }),
  fc.record({
    type: fc.constant("device.update" as const),
    device: deviceKeyArb,
    fields: partialDeviceFieldsArb,
  }),
  fc.record({ type: fc.constant("device.revoke" as const), device: deviceKeyArb, upTo: fc.nat() }),
  fc.record({ type: fc.constant("device.retire" as const), device: deviceKeyArb }),
  fc.record({ type: fc.constant("folder.share" as const), folder: folderIdArb, name: nameArb }),
  fc.record({ type: fc.constant("folder.join" as const), folder: folderIdArb }),
  fc.record({ type: fc.constant("folder.leave" as const), folder: folderIdArb }),
  fc.record({
    type: fc.constant("folder.progress" as const),
    folder: folderIdArb,
    progress: progressArb,
  }),
  fc.record({
    type: fc.constant("file.version" as const),
    folder: folderIdArb,
    version: fileVersionArb(),
  }),
);

/**
 * `ops` made signable by `author`: a `device.update` may only name its own
 * author (decode refuses others with `foreign_update`), so those are pointed
 * at `author`.
 */
export function ownOps(ops: readonly Op[], author: DeviceKey): Op[] {
  return ops.map((op) => op.type === "device.update" ? { ...op, device: author } : op);
}

/** All op type names. */
export const OP_TYPES = [
  "config.set",
  "config.unset",
  "pref.set",
  "pref.unset",
  "app.add",
  "pattern.add",
  "pattern.remove",
  "device.add",
  "device.update",
  "device.revoke",
  "device.retire",
  "folder.share",
  "folder.join",
  "folder.leave",
  "folder.progress",
  "file.version",
] as const;
