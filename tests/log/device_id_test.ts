/**
 * @module device_id_test
 * Display ids: round trip to public keys, check characters catching every
 * single-character typo, forgiveness of case, dashes and spaces, and a fuzz
 * run showing that parsing only ever fails with `bad_device_id`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import {
  deviceIdFromKey,
  normalizeDeviceId,
  parseDeviceId,
  shortDeviceId,
} from "../../src/log/device_id.ts";
import { assertMycelError } from "../helpers/assert.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

// An independent reference: RFC 4648 base32 (no padding) and Luhn mod 32
// computed from the rightmost character, as the module documents.
function refBase32(bytes: Uint8Array): string {
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  while (bits.length % 5 !== 0) bits += "0";
  let out = "";
  for (let i = 0; i < bits.length; i += 5) out += ALPHABET[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}
function refLuhn(block: string): string {
  let sum = 0;
  for (let i = 0; i < block.length; i++) {
    const v = ALPHABET.indexOf(block[block.length - 1 - i]);
    const addend = v * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return ALPHABET[(32 - (sum % 32)) % 32];
}
function refId(key: Uint8Array): string {
  const text = refBase32(key);
  let flat = "";
  for (let i = 0; i < 4; i++) {
    const block = text.slice(13 * i, 13 * i + 13);
    flat += block + refLuhn(block);
  }
  return flat.match(/.{7}/g)!.join("-");
}

Deno.test("deviceIdFromKey() gives 8 dash-separated groups of 7 base32 characters", () => {
  fc.assert(
    fc.property(key32, (key) => {
      const id = deviceIdFromKey(key);
      assert.match(id, /^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$/);
    }),
    { seed: 1, numRuns: 200 },
  );
});

Deno.test("deviceIdFromKey() matches an independent base32 + Luhn mod 32 reference", () => {
  fc.assert(
    fc.property(key32, (key) => assert.equal(deviceIdFromKey(key), refId(key))),
    { seed: 2, numRuns: 500 },
  );
});

Deno.test("deviceIdFromKey() known vectors: all-zero and all-one keys", () => {
  assert.equal(deviceIdFromKey(new Uint8Array(32)), Array(8).fill("AAAAAAA").join("-"));
  // 32 x 0xff: 51 x "7", then the last bit "1" padded to "10000" = Q; blocks of
  // 13 sevens check to the same character.
  const ones = deviceIdFromKey(new Uint8Array(32).fill(0xff));
  assert.equal(ones, refId(new Uint8Array(32).fill(0xff)));
  const flat = normalizeDeviceId(ones);
  const body = [0, 1, 2, 3].map((i) => flat.slice(14 * i, 14 * i + 13)).join("");
  assert.equal(body, "7".repeat(51) + "Q");
});

Deno.test("deviceIdFromKey() tells apart keys that share their first bytes, asked in any order", () => {
  // Its cache finds keys by their first six bytes: keys alike there must still get their own ids.
  const keys = Array.from({ length: 12 }, (_, i) => {
    const k = new Uint8Array(32).fill(7);
    k[31] = i;
    if (i % 3 === 0) k[6] = 0xff;
    return k;
  });
  for (let round = 0; round < 3; round++) {
    for (const k of round === 1 ? [...keys].reverse() : keys) {
      assert.equal(deviceIdFromKey(k), refId(k));
    }
  }
  // The id of a key whose bytes change after the call stays that of the bytes it was asked for.
  const k = new Uint8Array(32).fill(9);
  const before = deviceIdFromKey(k);
  k[20] = 1;
  assert.equal(deviceIdFromKey(k), refId(k));
  assert.notEqual(deviceIdFromKey(k), before);
});

Deno.test("parseDeviceId() round-trips every display id to its public key", () => {
  fc.assert(
    fc.property(key32, (key) => {
      const id = deviceIdFromKey(key);
      const parsed = parseDeviceId(id);
      assert.equal(parsed.id, id);
      assert.deepEqual(parsed.publicKey, key);
    }),
    { seed: 3, numRuns: 500 },
  );
});

Deno.test("parseDeviceId() rejects every single-character substitution (check characters)", () => {
  const keys = fc.sample(key32, { seed: 4, numRuns: 6 });
  keys.push(new Uint8Array(32), new Uint8Array(32).fill(0xff));
  let tried = 0;
  for (const key of keys) {
    const flat = normalizeDeviceId(deviceIdFromKey(key));
    for (let i = 0; i < flat.length; i++) {
      for (const c of ALPHABET + "0189@_=aé") {
        if (c === flat[i] || c.toUpperCase() === flat[i]) continue;
        const typo = flat.slice(0, i) + c + flat.slice(i + 1);
        assertMycelError(() => parseDeviceId(typo), "bad_device_id", `position ${i} -> ${c}`);
        tried++;
      }
    }
  }
  assert.ok(tried > 8 * 56 * 31);
});

Deno.test("parseDeviceId() rejects ids that are too short or too long", () => {
  const flat = normalizeDeviceId(deviceIdFromKey(new Uint8Array(32).fill(7)));
  for (const text of ["", flat.slice(1), flat.slice(0, -1), flat + "A", flat + flat]) {
    const e = assertMycelError(() => parseDeviceId(text), "bad_device_id", text);
    assert.match(e.message, /56 characters/);
  }
});

Deno.test("parseDeviceId() rejects a body whose padding bits are not zero", () => {
  // The last body character carries 1 data bit and 4 padding bits. Set a
  // padding bit and recompute the block's check character, so only the
  // "does not encode a 32-byte key" rule can catch it.
  const flat = normalizeDeviceId(deviceIdFromKey(new Uint8Array(32)));
  const block = flat.slice(42, 54); // block 4 without its last character
  const bad = block + "B"; // 00001: a padding bit set
  const typo = flat.slice(0, 42) + bad + refLuhn(bad);
  const e = assertMycelError(() => parseDeviceId(typo), "bad_device_id");
  assert.match(e.message, /32-byte key/);
});

Deno.test("parseDeviceId() forgives case, dashes and spaces", () => {
  const key = new Uint8Array(32).map((_, i) => i * 7);
  const id = deviceIdFromKey(key);
  const flat = normalizeDeviceId(id);
  const forms = [
    id,
    id.toLowerCase(),
    flat,
    flat.toLowerCase(),
    id.replaceAll("-", " "),
    ` ${id.replaceAll("-", "  ")}\t`,
    flat.match(/.{4}/g)!.join("-"),
    [...flat].join(" "),
    `${id.slice(0, 20).toLowerCase()}${id.slice(20)}`,
  ];
  for (const text of forms) {
    const parsed = parseDeviceId(text);
    assert.equal(parsed.id, id, text);
    assert.deepEqual(parsed.publicKey, key);
  }
});

Deno.test("normalizeDeviceId() strips dashes and whitespace and upper-cases", () => {
  assert.equal(normalizeDeviceId(" ab-cd\nef\t"), "ABCDEF");
  assert.equal(normalizeDeviceId(""), "");
});

Deno.test("shortDeviceId() is the first group", () => {
  const id = deviceIdFromKey(new Uint8Array(32).fill(1));
  assert.equal(shortDeviceId(id), id.split("-")[0]);
});

Deno.test("parseDeviceId() error messages carry the (truncated) input, never more", () => {
  const long = "X".repeat(10_000);
  const e = assertMycelError(() => parseDeviceId(long), "bad_device_id");
  assert.ok(e.message.length < 300, e.message);
  assert.equal(e.value, "X".repeat(80));
});

Deno.test("parseDeviceId() fuzz: random and mutated ids only ever fail with bad_device_id", () => {
  const idArb = key32.map(deviceIdFromKey);
  const mutated = fc.tuple(
    idArb,
    fc.array(
      fc.tuple(fc.nat(70), fc.string({ unit: "binary", maxLength: 2 }), fc.nat(2)),
      { minLength: 1, maxLength: 3 },
    ),
  ).map(([id, edits]) => {
    let s = id;
    for (const [at, text, kind] of edits) {
      const i = at % (s.length + 1);
      if (kind === 0) s = s.slice(0, i) + text + s.slice(i + 1); // replace
      else if (kind === 1) s = s.slice(0, i) + text + s.slice(i); // insert
      else s = s.slice(0, i) + s.slice(i + 1); // delete
    }
    return s;
  });
  const textArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...ALPHABET, "-", " ", "a", "1"), maxLength: 70 }),
    fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 56, maxLength: 56 }),
    mutated,
  );
  let accepted = 0;
  fc.assert(
    fc.property(textArb, (text) => {
      let parsed;
      try {
        parsed = parseDeviceId(text);
      } catch (e) {
        assert.ok(isMycelError(e, "bad_device_id"), `unexpected ${e}`);
        return;
      }
      // Accepted: it must be an exact (forgiven) spelling of a real id.
      accepted++;
      assert.equal(deviceIdFromKey(parsed.publicKey), parsed.id);
      assert.equal(normalizeDeviceId(parsed.id), normalizeDeviceId(text));
    }),
    { seed: 5, numRuns: 12_000 },
  );
  assert.ok(accepted < 12_000 / 10, `${accepted} random strings were accepted`);
});
