/**
 * @module device_record_test
 * Device records on the wire: complete and partial field sets round-trip,
 * `wgPort` defaults to 0, and every malformed field is named in the error.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import {
  decodeDeviceFields,
  decodeDeviceRecord,
  DEVICE_FIELDS,
  encodeDeviceFields,
  fieldsOf,
  MAX_ENDPOINTS,
} from "../../src/log/device_record.ts";
import { deviceFieldsArb, deviceKeyArb, partialDeviceFieldsArb, plainCopy } from "./helpers.ts";

const wire = (x: unknown) => decodeCbor(encodeCbor(x), "device fields");
const FIELDS = {
  n: "laptop",
  k: new Uint8Array(32).fill(1),
  w: new Uint8Array(32).fill(2),
  e: ["10.0.0.1:7850", "[fd00::1]:7850"],
  i: "100.64.0.1",
  p: 51820,
};

Deno.test("DEVICE_FIELDS lists every mutable field once", () => {
  assert.deepEqual([...DEVICE_FIELDS].sort(), [
    "endpoints",
    "ipv4",
    "name",
    "noiseKey",
    "wgKey",
    "wgPort",
  ]);
});

Deno.test("encodeDeviceFields()/decodeDeviceFields() round-trip complete records through CBOR", () => {
  fc.assert(
    fc.property(deviceFieldsArb, (f) => {
      assert.deepStrictEqual(decodeDeviceFields(wire(encodeDeviceFields(f)), true), plainCopy(f));
    }),
    { seed: 31, numRuns: 500 },
  );
});

Deno.test("encodeDeviceFields()/decodeDeviceFields() round-trip partial updates", () => {
  fc.assert(
    fc.property(partialDeviceFieldsArb, (f) => {
      assert.deepStrictEqual(decodeDeviceFields(wire(encodeDeviceFields(f)), false), plainCopy(f));
    }),
    { seed: 32, numRuns: 500 },
  );
});

Deno.test("encodeDeviceFields() sends public keys as 32 raw bytes under one-letter keys", () => {
  const f = decodeDeviceFields(FIELDS, true);
  const out = encodeDeviceFields(f);
  assert.deepEqual(Object.keys(out).sort(), ["e", "i", "k", "n", "p", "w"]);
  assert.deepEqual(out.k, FIELDS.k);
  assert.equal(f.noiseKey, FIELDS.k.toBase64());
  assert.deepEqual(encodeDeviceFields({}), {});
});

Deno.test("decodeDeviceRecord() attaches the key and its display id, and defaults wgPort to 0", () => {
  const [key] = fc.sample(deviceKeyArb, { seed: 33, numRuns: 1 });
  const { p: _p, ...noPort } = FIELDS;
  const r = decodeDeviceRecord(key, noPort);
  assert.equal(r.key, key);
  assert.equal(r.id, key.id);
  assert.equal(r.wgPort, 0);
  assert.equal(r.name, "laptop");
  assert.equal(decodeDeviceRecord(key, FIELDS).wgPort, 51820);
});

Deno.test("fieldsOf() keeps exactly the mutable fields, without the identity", () => {
  const [key] = fc.sample(deviceKeyArb, { seed: 34, numRuns: 1 });
  const r = decodeDeviceRecord(key, FIELDS);
  const f = fieldsOf(r);
  assert.deepEqual(Object.keys(f).sort(), [...DEVICE_FIELDS].sort());
  assert.equal(f.name, "laptop");
});

Deno.test("decodeDeviceFields() with complete=true names the missing field", () => {
  for (const f of ["n", "k", "w", "e", "i"] as const) {
    const { [f]: _drop, ...rest } = FIELDS;
    assert.throws(() => decodeDeviceFields(rest, true), /missing/, f);
    decodeDeviceFields(rest, false); // a partial update may omit it
  }
});

Deno.test("decodeDeviceFields() normalises endpoints and keeps the empty list", () => {
  const f = decodeDeviceFields({ e: ["[FD00::1]:07850", "host:00022"] }, false);
  assert.deepEqual(f.endpoints, ["[FD00::1]:7850", "host:22"]);
  assert.deepEqual(decodeDeviceFields({ e: [] }, false).endpoints, []);
  const max = Array.from({ length: MAX_ENDPOINTS }, (_, i) => `h${i}:1`);
  assert.deepEqual(decodeDeviceFields({ e: max }, false).endpoints, max);
});

Deno.test("decodeDeviceFields() rejects every malformed field", () => {
  const bad: [string, unknown][] = [
    ["null", null],
    ["array", [FIELDS]],
    ["Map", new Map()],
    ["text", "laptop"],
    ["unknown field", { x: 1 }],
    ["long field name", { nn: "x" }],
    ["empty field name", { "": 1 }],
    ["renamed __proto__", { __proto_: {} }],
    ["name empty", { n: "" }],
    ["name 65 chars", { n: "n".repeat(65) }],
    ["name with a control char", { n: "a\nb" }],
    ["name not text", { n: 5 }],
    ["noise key 31 bytes", { k: new Uint8Array(31) }],
    ["noise key base64 text", { k: new Uint8Array(32).toBase64() }],
    ["wg key 33 bytes", { w: new Uint8Array(33) }],
    ["endpoints not a list", { e: "h:1" }],
    ["17 endpoints", { e: Array(MAX_ENDPOINTS + 1).fill("h:1") }],
    ["endpoint without port", { e: ["h"] }],
    ["endpoint not text", { e: [null] }],
    ["ipv4 private range", { i: "192.168.1.1" }],
    ["ipv4 three parts", { i: "100.64.1" }],
    ["ipv4 with a space", { i: "100.64.0.1 " }],
    ["ipv4 not text", { i: 100 }],
    ["wgPort -1", { p: -1 }],
    ["wgPort 65536", { p: 65536 }],
    ["wgPort 1.5", { p: 1.5 }],
    ["wgPort text", { p: "1" }],
    ["wgPort null", { p: null }],
  ];
  for (const [label, x] of bad) {
    assert.throws(() => decodeDeviceFields(x, false), Error, label);
  }
});

Deno.test("decodeDeviceFields() rejects a mesh IPv4 outside 100.64.0.0/10", () => {
  // BUG: the check is only /^100\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, so octets
  // above 255 and addresses outside the mesh range reach the WireGuard config.
  for (const ip of ["100.300.1.1", "100.64.0.256", "100.0.0.1", "100.128.0.1", "100.064.0.1"]) {
    assert.throws(() => decodeDeviceFields({ i: ip }, false), Error, ip);
  }
});

Deno.test("decodeDeviceFields() accepts mesh IPv4 addresses across 100.64.0.0/10", () => {
  for (const ip of ["", "100.64.0.0", "100.64.0.1", "100.100.100.100", "100.127.255.255"]) {
    assert.equal(decodeDeviceFields({ i: ip }, false).ipv4, ip);
  }
});
