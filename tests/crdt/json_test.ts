/**
 * @module json_test
 * JSON validation of untrusted values and the canonical text form used for
 * tie-breaks and digests.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  canonicalJson,
  isJson,
  isJsonObject,
  type Json,
  MAX_JSON_DEPTH,
} from "../../src/crdt/json.ts";

/** `depth` containers around `leaf`, alternating arrays and objects. */
function nest(depth: number, leaf: unknown, kind: "array" | "object" | "mixed"): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) {
    const arr = kind === "array" || (kind === "mixed" && i % 2 === 0);
    v = arr ? [v] : { k: v };
  }
  return v;
}

/** The same value rebuilt with every object's keys inserted in reverse order. */
function reverseKeys(v: Json): Json {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(reverseKeys);
  const out: Record<string, Json> = {};
  for (const k of Object.keys(v).reverse()) out[k] = reverseKeys(v[k]);
  return out;
}

/** JSON values without -0 (which JSON text cannot carry). */
const jsonArb: fc.Arbitrary<Json> = fc.jsonValue().map((v) =>
  JSON.parse(JSON.stringify(v)) as Json
);

// ---------------------------------------------------------------------------
// isJson

class Point {
  constructor(public x = 1) {}
}
const sparse: unknown[] = [];
sparse[1] = 1;

const isJsonCases: [string, unknown, boolean][] = [
  ["null", null, true],
  ["true", true, true],
  ["false", false, true],
  ["0", 0, true],
  ["a negative fraction", -1.5, true],
  ["the largest finite double", Number.MAX_VALUE, true],
  ["the empty string", "", true],
  ["a string with a lone surrogate", "\ud800", true],
  ["an empty array", [], true],
  ["an empty object", {}, true],
  ["nested arrays and objects", { a: [1, "x", { b: null, c: [true] }] }, true],
  ["an object with a null prototype", Object.assign(Object.create(null), { a: 1 }), true],
  ["an object parsed with an own __proto__ key", JSON.parse('{"__proto__": {"x": 1}}'), false],
  ["undefined", undefined, false],
  ["NaN", NaN, false],
  ["Infinity", Infinity, false],
  ["-Infinity", -Infinity, false],
  ["a bigint", 1n, false],
  ["a symbol", Symbol("s"), false],
  ["a function", () => 1, false],
  ["a Date", new Date(0), false],
  ["a Map", new Map(), false],
  ["a Set", new Set(), false],
  ["a Uint8Array", new Uint8Array(2), false],
  ["a class instance", new Point(), false],
  ["an array holding undefined", [1, undefined], false],
  ["an array holding NaN", [NaN], false],
  ["an object holding undefined", { a: undefined }, false],
  ["an object holding a function", { f: () => 1 }, false],
  ["an object holding a Date deep down", { a: [{ b: new Date(0) }] }, false],
];
for (const [name, value, ok] of isJsonCases) {
  Deno.test(`isJson() ${ok ? "accepts" : "rejects"} ${name}`, () => {
    assert.equal(isJson(value), ok);
  });
}

Deno.test("isJson() rejects a sparse array (a hole is not a JSON value)", () => {
  // A hole is skipped by Array.prototype.every, and canonicalJson then prints "[,1]",
  // which is not JSON text at all.
  assert.equal(
    isJson(sparse),
    false,
    `isJson([ , 1]) (canonical text ${canonicalJson(sparse as Json)})`,
  );
});

for (const kind of ["array", "object", "mixed"] as const) {
  Deno.test(`isJson() accepts ${MAX_JSON_DEPTH} nested ${kind} levels and rejects ${MAX_JSON_DEPTH + 1}`, () => {
    assert.equal(isJson(nest(MAX_JSON_DEPTH, 1, kind)), true, "at the limit");
    assert.equal(isJson(nest(MAX_JSON_DEPTH, [], kind)), false, "one container past the limit");
    assert.equal(isJson(nest(MAX_JSON_DEPTH + 1, "x", kind)), false, "one level past the limit");
    assert.equal(
      isJson(nest(10_000, null, kind)),
      false,
      "far past the limit, without blowing the stack",
    );
  });
}

Deno.test("isJson() accepts every value fast-check calls JSON", () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (v) => isJson(v)), {
    seed: 0x15,
    numRuns: 500,
  });
});

// ---------------------------------------------------------------------------
// isJsonObject

const isJsonObjectCases: [string, unknown, boolean][] = [
  ["an empty object", {}, true],
  ["an object of JSON values", { a: 1, b: [null] }, true],
  ["an array", [], false],
  ["null", null, false],
  ["a string", "{}", false],
  ["an object holding undefined", { a: undefined }, false],
  ["a class instance", new Point(), false],
  ["an object nested too deep", nest(MAX_JSON_DEPTH + 1, 1, "object"), false],
];
for (const [name, value, ok] of isJsonObjectCases) {
  Deno.test(`isJsonObject() ${ok ? "accepts" : "rejects"} ${name}`, () => {
    assert.equal(isJsonObject(value), ok);
  });
}

// ---------------------------------------------------------------------------
// canonicalJson

const canonicalCases: [string, Json | undefined, string][] = [
  ["undefined (absent) is the empty string", undefined, ""],
  ["null", null, "null"],
  ["a number", -1.5, "-1.5"],
  ["-0 prints as 0", -0, "0"],
  ["a string is escaped", 'a"b\n', '"a\\"b\\n"'],
  ["a lone surrogate is escaped", "\ud800", '"\\ud800"'],
  ["an empty array", [], "[]"],
  ["an empty object", {}, "{}"],
  ["object keys are sorted", { b: 1, a: 2 }, '{"a":2,"b":1}'],
  ["keys sort by code unit (upper case first)", { b: 1, B: 2, a: 3 }, '{"B":2,"a":3,"b":1}'],
  [
    "nested objects are sorted too",
    { z: [{ y: 1, x: 2 }], a: { d: 0, c: null } },
    '{"a":{"c":null,"d":0},"z":[{"x":2,"y":1}]}',
  ],
  ["array order is kept", [3, 1, 2], "[3,1,2]"],
  ["keys are escaped", { 'q"': 1 }, '{"q\\"":1}'],
];
for (const [name, value, text] of canonicalCases) {
  Deno.test(`canonicalJson(): ${name}`, () => {
    assert.equal(canonicalJson(value), text);
  });
}

Deno.test("canonicalJson() ignores key insertion order", () => {
  fc.assert(
    fc.property(jsonArb, (v) => canonicalJson(reverseKeys(v)) === canonicalJson(v)),
    { seed: 0xca, numRuns: 500 },
  );
});

Deno.test("canonicalJson() is JSON text that parses back to the same value", () => {
  fc.assert(
    fc.property(jsonArb, (v) => {
      const text = canonicalJson(v);
      assert(
        !/\s/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, "")),
        `whitespace outside strings in ${text}`,
      );
      assert.equal(canonicalJson(JSON.parse(text)), text, "parse then print is stable");
      assert.equal(
        canonicalJson(JSON.parse(JSON.stringify(v))),
        text,
        "same as the value's plain JSON",
      );
    }),
    { seed: 0x1e, numRuns: 500 },
  );
});

Deno.test("canonicalJson() gives different text for different values", () => {
  const small: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
    v: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom<Json>(null, true, false, 0, 1, "", "a", "1"),
      fc.array(tie("v"), { maxLength: 2 }),
      fc.dictionary(fc.constantFrom("a", "b"), tie("v"), { maxKeys: 2 }),
    ),
  })).v;
  // Structural equality that ignores key order: the notion canonicalJson must capture.
  const same = (a: Json, b: Json): boolean => {
    if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
        a.every((x, i) => same(x, b[i]));
    }
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same(a[k], b[k]));
  };
  fc.assert(
    fc.property(
      small,
      small,
      (a, b) => assert.equal(canonicalJson(a) === canonicalJson(b), same(a, b)),
    ),
    { seed: 0xd1ff, numRuns: 2000 },
  );
});
