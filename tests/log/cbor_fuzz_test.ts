/**
 * @module cbor_fuzz_test
 * Over 100,000 hostile inputs for the CBOR decoder (counted per family,
 * total checked at the end): random bytes; items of a CBOR grammar with
 * non-canonical choices; random edits of real entries, entry bodies, sync
 * messages and random values (some under small per-call limits); every tag
 * and shared-reference graphs; 100,000-deep nesting; lengths declared up to
 * 2^64; indefinite lengths; every truncation of real encodings. For each:
 * either a MycelError `bad_encoding`, or a value that re-encodes to exactly
 * the input. Each case is timed: none may take more than a bound set far
 * above a normal decode, so anything super-linear shows up.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { bytesEqual, toHex } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { type CborLimits, decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { encodeHello } from "../../src/protocol/sync_hello.ts";
import { encodeSyncMessage } from "../../src/protocol/sync_messages.ts";
import { rng } from "../helpers/random.ts";
import { head, item, mutate, pick, sharedGraph } from "./cbor_fuzz_gen.ts";
import { jsonArb, opArb, ownOps, testDevices } from "./helpers.ts";

/** Far above any single decode here (microseconds); catches blow-ups, not slowness. */
const CASE_BOUND_MS = 250;
const counts: Record<string, { cases: number; accepted: number }> = {};
let slowest = { ms: 0, label: "" };

/** Decode `bytes`: a bad_encoding, or a value that re-encodes to the same bytes. */
function probe(family: string, bytes: Uint8Array, limits?: Partial<CborLimits>): void {
  const c = counts[family] ??= { cases: 0, accepted: 0 };
  c.cases++;
  const t0 = performance.now();
  let value: unknown;
  try {
    value = decodeCbor(bytes, "fuzz", limits);
  } catch (e) {
    if (!isMycelError(e, "bad_encoding")) {
      assert.fail(`${family}: ${toHex(bytes.subarray(0, 64))} threw ${e}`);
    }
    time(family, t0, bytes, limits);
    return;
  }
  const again = encodeCbor(value);
  if (!bytesEqual(again, bytes)) {
    assert.fail(`${family}: accepted ${toHex(bytes)} but it re-encodes to ${toHex(again)}`);
  }
  c.accepted++;
  time(family, t0, bytes, limits);
}

function time(family: string, t0: number, bytes: Uint8Array, limits?: Partial<CborLimits>): void {
  let ms = performance.now() - t0;
  // A pause of the machine (GC, other processes) is not the decoder: retry,
  // and keep the fastest; a real blow-up is slow every time.
  for (let retry = 0; retry < 2 && ms >= CASE_BOUND_MS; retry++) {
    const t1 = performance.now();
    try {
      decodeCbor(bytes, "fuzz", limits);
    } catch { /* already checked */ }
    ms = Math.min(ms, performance.now() - t1);
  }
  if (ms > slowest.ms) slowest = { ms, label: `${family} ${toHex(bytes.subarray(0, 16))}…` };
  assert.ok(ms < CASE_BOUND_MS, `${family}: one input took ${ms.toFixed(0)} ms`);
}

function expect(family: string, min: number, minAccepted = 0): void {
  const c = counts[family];
  assert.ok(c.cases >= min, `${family}: ${c.cases} cases`);
  assert.ok(c.accepted >= minAccepted, `${family}: only ${c.accepted} accepted`);
}

/** Real encodings to mutate and truncate: entries, bodies, messages, values. */
async function corpus(): Promise<Uint8Array[]> {
  const [device] = await testDevices(1);
  const out: Uint8Array[] = [];
  let wall = 1_700_000_000_000;
  for (
    const ops of fc.sample(fc.array(opArb, { minLength: 1, maxLength: 3 }), {
      seed: 70,
      numRuns: 40,
    })
  ) {
    const e = await device.append(ownOps(ops, device.key), wall += 977);
    out.push(e.bytes, e.body);
  }
  const key = new Uint8Array(32).fill(5);
  const heads = new Map([[DeviceKey.of(key), { seq: 70_000, hash: key }]]);
  out.push(
    encodeHello({ version: 2, admission: [out[0]] }),
    encodeSyncMessage({ type: "heads", rows: [...heads], last: true }),
    encodeSyncMessage({ type: "entries", entries: out.slice(0, 4) }),
    encodeSyncMessage({ type: "error", code: "busy", message: "later – ü" }),
  );
  for (const v of fc.sample(jsonArb, { seed: 71, numRuns: 100 })) out.push(encodeCbor(v));
  return out;
}

const CORPUS = await corpus();

// Warm up (compilation, the first error) so the per-case bound measures decoding.
for (let i = 0; i < 200; i++) {
  for (const b of [CORPUS[i % CORPUS.length], new Uint8Array([0xd8, i & 0xff])]) {
    try {
      decodeCbor(b, "warm-up");
    } catch { /* refused */ }
  }
}

Deno.test("fuzz: 20,000 random byte strings", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (b) => probe("random", b)), {
    seed: 72,
    numRuns: 20_000,
  });
  expect("random", 20_000, 100);
});

Deno.test("fuzz: 25,000 items of a CBOR grammar with non-canonical choices", () => {
  const r = rng(73);
  for (let i = 0; i < 25_000; i++) {
    const out: number[] = [];
    item(out, r, 0, [0, 0.02, 0.1, 0.3][i % 4]);
    probe("grammar", new Uint8Array(out));
  }
  expect("grammar", 25_000, 5_000);
});

Deno.test("fuzz: 40,000 edits of real entries, messages and values, some under small limits", () => {
  const r = rng(74);
  for (let i = 0; i < 40_000; i++) {
    let b = CORPUS[pick(r, CORPUS.length)];
    for (let n = 1 + pick(r, 3); n > 0; n--) b = mutate(b, r);
    const limits = i % 10 === 0
      ? { maxDepth: pick(r, 8), maxNodes: pick(r, 64), maxBytes: pick(r, 512) }
      : undefined;
    probe("mutation", b, limits);
  }
  expect("mutation", 40_000, 2_000);
});

Deno.test("fuzz: every tag number form and shared-reference graphs are refused", () => {
  const contents = [[0x00], [0x80], [0x40], [0xa0], [0x60], [0xf6], [0x9f, 0xff], [0xd8, 0x1d, 0]];
  const tags = [...Array(300).keys(), 0xffff, 0x10000, 55799, 0xdff9, 0xdfff, 0xe000, 2 ** 32 - 1];
  for (const tag of tags) {
    for (const content of contents) {
      for (const loose of [0, 1]) {
        const out: number[] = [];
        head(out, 6, tag, () => 0.99, loose);
        out.push(...content);
        probe("tag", new Uint8Array(out));
        probe("tag", new Uint8Array([0x82, 0x01, ...out])); // nested
        probe("tag", new Uint8Array([0xa1, ...out, 0x00])); // as a map key
      }
    }
  }
  probe("tag", new Uint8Array([0xdb, 255, 255, 255, 255, 255, 255, 255, 255, 0x00]));
  for (let levels = 1; levels <= 100; levels++) {
    for (const fanOut of [1, 2, 3, 8]) {
      probe("tag", sharedGraph(levels, fanOut, true));
      probe("tag", sharedGraph(levels, fanOut, false));
    }
  }
  expect("tag", 13_000);
  assert.equal(counts.tag.accepted, 0);
});

Deno.test("fuzz: 100,000-deep nesting is refused quickly, without a stack overflow", () => {
  const deep = (prefix: number[], n: number, tail: number[]) => {
    const b = new Uint8Array(prefix.length * n + tail.length);
    for (let i = 0; i < n; i++) b.set(prefix, i * prefix.length);
    b.set(tail, prefix.length * n);
    return b;
  };
  for (const limits of [undefined, { maxDepth: 512 }, { maxDepth: 100_000 }, { maxNodes: 10 }]) {
    probe("deep", deep([0x81], 100_000, [0x00]), limits);
    probe("deep", deep([0x9f], 100_000, Array(100_000).fill(0xff)), limits);
    probe("deep", deep([0xa1, 0x61, 0x61], 100_000, [0x00]), limits);
    probe("deep", deep([0xc6], 100_000, [0x00]), limits);
    probe("deep", deep([0x82, 0x00], 100_000, [0x00]), limits);
    probe("deep", deep([0xa1, 0x81], 100_000, [0x00]), limits); // keys that are arrays
  }
  expect("deep", 24);
  assert.equal(counts.deep.accepted, 0);
});

Deno.test("fuzz: lengths declared up to 2^64 and indefinite lengths are refused", () => {
  const r = rng(75);
  const huge = [2 ** 31, 2 ** 32 - 1, 2 ** 60, 2 ** 53 - 1, 0x7fffffff, 2 ** 24];
  for (const major of [2, 3, 4, 5]) {
    for (const n of huge) {
      for (const tail of [[], [0x00], Array(100).fill(0x61)]) {
        const out: number[] = [];
        head(out, major, n);
        probe("length", new Uint8Array([...out, ...tail]));
        probe("length", new Uint8Array([0x81, ...out, ...tail]));
      }
    }
    const max = [0x1b | (major << 5), 255, 255, 255, 255, 255, 255, 255, 255, 0x00];
    probe("length", new Uint8Array(max));
  }
  for (let i = 0; i < 2_000; i++) {
    const out = [[0x5f, 0x7f, 0x9f, 0xbf][i % 4]];
    for (let n = pick(r, 4); n > 0; n--) item(out, r, 1, 0.05);
    if (r() < 0.8) out.push(0xff);
    probe("length", new Uint8Array(out));
  }
  expect("length", 2_000);
  assert.equal(counts.length.accepted, 0);
});

Deno.test("fuzz: every truncation of every real encoding is refused", () => {
  for (const b of CORPUS) {
    for (let n = 0; n < b.length; n++) probe("truncation", b.subarray(0, n));
    probe("truncation", b); // the whole thing is accepted as it is
  }
  expect("truncation", 10_000);
  assert.equal(counts.truncation.accepted, CORPUS.length, "only the whole encodings");
});

Deno.test("fuzz: over 100,000 cases in all", () => {
  const total = Object.values(counts).reduce((n, c) => n + c.cases, 0);
  const families = Object.keys(counts).sort();
  assert.deepEqual(families, [
    "deep",
    "grammar",
    "length",
    "mutation",
    "random",
    "tag",
    "truncation",
  ]);
  console.log(
    `${total} cases: ${
      families.map((f) => `${f} ${counts[f].cases}/${counts[f].accepted}`)
        .join(", ")
    } (cases/accepted); slowest ${slowest.ms.toFixed(1)} ms (${slowest.label})`,
  );
  assert.ok(total >= 100_000, `${total} cases`);
});
