/**
 * @module cpace_test
 * CPace against the draft's test vectors (tests/vectors/cpace-draft-25519.json,
 * copied into the repository so a fresh clone tests on its own; the source is
 * named in tests/vectors/README.md) plus agreement properties.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex, toHex } from "../../src/bytes.ts";
import {
  CPACE_RISTRETTO255,
  CPACE_X25519,
  type CpaceGroup,
  type CpaceRole,
  cpaceStart,
} from "../../src/crypto/cpace.ts";
import { assertBytes, assertMycelError } from "../helpers/assert.ts";

/** Fail when the two byte arrays hold the same bytes. */
function notDeepStrictEqual(a: Uint8Array, b: Uint8Array): void {
  if (toHex(a) === toHex(b)) throw new Error(`expected different bytes, both ${toHex(a)}`);
}

type Vectors = Record<string, Record<string, unknown>>;
const vectors: Vectors = JSON.parse(
  await Deno.readTextFile(
    new URL("../vectors/cpace-draft-25519.json", import.meta.url),
  ),
);

const suites: [string, string, CpaceGroup][] = [
  ["G_25519", "X25519", CPACE_X25519],
  ["G_Coffee25519", "ristretto255", CPACE_RISTRETTO255],
];

function hexOf(v: Record<string, unknown>, key: string): Uint8Array {
  return fromHex(v[key] as string);
}

function run(v: Record<string, unknown>, group: CpaceGroup, roleA: CpaceRole, roleB: CpaceRole) {
  const common = {
    password: hexOf(v, "PRS"),
    channelId: hexOf(v, "CI"),
    sid: hexOf(v, "sid"),
    group,
  };
  const a = cpaceStart({ ...common, role: roleA, ad: hexOf(v, "ADa"), scalar: hexOf(v, "ya") });
  const b = cpaceStart({ ...common, role: roleB, ad: hexOf(v, "ADb"), scalar: hexOf(v, "yb") });
  return {
    a,
    b,
    outA: a.finish(b.message, hexOf(v, "ADb")),
    outB: b.finish(a.message, hexOf(v, "ADa")),
  };
}

for (const [groupName, label, group] of suites) {
  const v = vectors[groupName];

  Deno.test(`CPace ${label}: calculateGenerator() reproduces the vector g`, () => {
    const g = group.calculateGenerator(hexOf(v, "PRS"), hexOf(v, "CI"), hexOf(v, "sid"));
    assert.equal(toHex(g), (v.g as string).toLowerCase());
  });

  Deno.test(`CPace ${label}: shares Ya, Yb and shared point K match the vectors`, () => {
    const { a, b } = run(v, group, "initiator", "responder");
    assert.equal(toHex(a.message), (v.Ya as string).toLowerCase());
    assert.equal(toHex(b.message), (v.Yb as string).toLowerCase());
    const k = group.scalarMultVfy(hexOf(v, "ya"), hexOf(v, "Yb"));
    assert.equal(toHex(k), (v.K as string).toLowerCase());
    assert.equal(toHex(group.scalarMultVfy(hexOf(v, "yb"), hexOf(v, "Ya"))), toHex(k));
  });

  Deno.test(`CPace ${label}: initiator-responder mode yields ISK_IR and sid_output_ir`, () => {
    const { outA, outB } = run(v, group, "initiator", "responder");
    assert.equal(toHex(outA.isk), (v.ISK_IR as string).toLowerCase());
    assert.equal(toHex(outB.isk), (v.ISK_IR as string).toLowerCase());
    assert.equal(toHex(outA.sidOutput), (v.sid_output_ir as string).toLowerCase());
    assert.equal(toHex(outB.sidOutput), (v.sid_output_ir as string).toLowerCase());
  });

  Deno.test(`CPace ${label}: symmetric mode yields ISK_SY and sid_output_oc`, () => {
    const { outA, outB } = run(v, group, "symmetric", "symmetric");
    assert.equal(toHex(outA.isk), (v.ISK_SY as string).toLowerCase());
    assert.equal(toHex(outB.isk), (v.ISK_SY as string).toLowerCase());
    assert.equal(toHex(outA.sidOutput), (v.sid_output_oc as string).toLowerCase());
    assert.equal(toHex(outB.sidOutput), (v.sid_output_oc as string).toLowerCase());
  });
}

Deno.test("CPace X25519: every invalid point vector is rejected as cpace_invalid_point", () => {
  const points = vectors.X25519_points as Record<string, string>;
  const names = Object.keys(points).filter((n) => n.startsWith("Invalid"));
  assert.equal(names.length, 12);
  const scalar = hexOf(vectors.G_25519, "ya");
  for (const name of names) {
    assertMycelError(
      () => CPACE_X25519.scalarMultVfy(scalar, fromHex(points[name])),
      "cpace_invalid_point",
      name,
    );
    const session = cpaceStart({ password: "pw", role: "initiator", scalar });
    assertMycelError(() => session.finish(fromHex(points[name])), "cpace_invalid_point");
  }
});

Deno.test("CPace ristretto255: the valid point vector multiplies and invalid ones are rejected", () => {
  const pts = vectors.G_Coffee25519_points as Record<string, unknown>;
  const valid = pts.Valid as Record<string, string>;
  const k = CPACE_RISTRETTO255.scalarMultVfy(fromHex(valid.s), fromHex(valid.X));
  assert.equal(toHex(k), valid["G.scalar_mult_vfy(s,X)"].toLowerCase());
  for (const name of Object.keys(pts).filter((n) => n.startsWith("Invalid"))) {
    assertMycelError(
      () => CPACE_RISTRETTO255.scalarMultVfy(fromHex(valid.s), fromHex(pts[name] as string)),
      "cpace_invalid_point",
      name,
    );
  }
});

Deno.test("cpaceStart() rejects a share of the wrong length, a reflected share and a second finish", () => {
  const a = cpaceStart({ password: "secret", role: "initiator" });
  const b = cpaceStart({ password: "secret", role: "responder" });
  assertMycelError(() => a.finish(b.message.slice(1)), "cpace_invalid_message");
  assertMycelError(() => a.finish(a.message), "cpace_reflected");
  a.finish(b.message);
  assertMycelError(() => a.finish(b.message), "cpace_finished");
});

Deno.test("cpaceStart() never puts the password in an error message", () => {
  const password = "correct horse battery staple";
  const a = cpaceStart({ password, role: "initiator" });
  for (const bad of [new Uint8Array(32), new Uint8Array(5), a.message]) {
    try {
      a.finish(bad);
    } catch (e) {
      assert.equal(String((e as Error).message).includes(password), false);
    }
  }
});

const sharedInputs = {
  password: fc.uint8Array({ minLength: 0, maxLength: 40 }),
  sid: fc.uint8Array({ maxLength: 20 }),
  adA: fc.uint8Array({ maxLength: 10 }),
  adB: fc.uint8Array({ maxLength: 10 }),
  symmetric: fc.boolean(),
};

Deno.test("CPace: two honest parties with the same password agree on ISK and sid_output", () => {
  fc.assert(
    fc.property(fc.record(sharedInputs), ({ password, sid, adA, adB, symmetric }) => {
      const [ra, rb]: CpaceRole[] = symmetric
        ? ["symmetric", "symmetric"]
        : ["initiator", "responder"];
      const a = cpaceStart({ password, sid, ad: adA, role: ra });
      const b = cpaceStart({ password, sid, ad: adB, role: rb });
      const outA = a.finish(b.message, adB);
      const outB = b.finish(a.message, adA);
      assertBytes(outA.isk, outB.isk);
      assertBytes(outA.sidOutput, outB.sidOutput);
      assert.equal(outA.isk.length, 64);
    }),
    { numRuns: 40 },
  );
});

Deno.test("CPace: different passwords give different ISKs", () => {
  fc.assert(
    fc.property(
      fc.record({ ...sharedInputs, other: fc.uint8Array({ maxLength: 40 }) }),
      ({ password, other, sid, adA, adB, symmetric }) => {
        fc.pre(toHex(password) !== toHex(other));
        const [ra, rb]: CpaceRole[] = symmetric
          ? ["symmetric", "symmetric"]
          : ["initiator", "responder"];
        const a = cpaceStart({ password, sid, ad: adA, role: ra });
        const b = cpaceStart({ password: other, sid, ad: adB, role: rb });
        notDeepStrictEqual(a.finish(b.message, adB).isk, b.finish(a.message, adA).isk);
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("CPace: a different sid or channel id also breaks agreement", () => {
  const a = cpaceStart({ password: "pw", role: "initiator", sid: new Uint8Array([1]) });
  const b = cpaceStart({ password: "pw", role: "responder", sid: new Uint8Array([2]) });
  notDeepStrictEqual(a.finish(b.message).isk, b.finish(a.message).isk);
  const c = cpaceStart({ password: "pw", role: "initiator", channelId: new Uint8Array([1]) });
  const d = cpaceStart({ password: "pw", role: "responder", channelId: new Uint8Array([2]) });
  notDeepStrictEqual(c.finish(d.message).isk, d.finish(c.message).isk);
});
