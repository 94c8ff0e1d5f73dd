/**
 * The file-phase messages (src/protocol/chunk_messages.ts): every message
 * round-trips exactly; fields out of bounds are refused both ways with
 * `bad_message`; random input gives a decoded message that re-encodes to
 * the same bytes, or `bad_message` — nothing else.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeCbor } from "../../src/log/cbor.ts";
import {
  type ChunkMessage,
  decodeChunkMessage,
  encodeChunkMessage,
  encodePieceParts,
  MAX_PIECE,
  MAX_WANT_IDS,
} from "../../src/protocol/chunk_messages.ts";
import { isMycelError } from "../../src/errors.ts";

const id = fc.uint8Array({ minLength: 32, maxLength: 32 });
const messageArb: fc.Arbitrary<ChunkMessage> = fc.oneof(
  fc.record({
    type: fc.constant("want" as const),
    folder: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/),
    ids: fc.array(id, { minLength: 1, maxLength: 5 }),
  }),
  fc.integer({ min: 1, max: 4096 }).chain((total) =>
    fc.record({
      type: fc.constant("piece" as const),
      id,
      total: fc.constant(total),
      offset: fc.integer({ min: 0, max: total - 1 }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }).filter((m) => m.offset + m.bytes.length <= total)
  ),
  fc.record({ type: fc.constant("none" as const), id }),
  fc.constant({ type: "bye" as const }),
  fc.record({
    type: fc.constant("stop" as const),
    code: fc.constantFrom("not_shared", "busy"),
    message: fc.string({ maxLength: 40 }).filter((s) =>
      !/[\p{Cc}\u2066-\u2069\u202a-\u202e]/u.test(s) && s.isWellFormed()
    ),
  }),
);

Deno.test("file-phase messages round-trip exactly", () => {
  fc.assert(
    fc.property(messageArb, (m) => {
      const bytes = encodeChunkMessage(m);
      const back = decodeChunkMessage(bytes);
      assert.deepEqual(encodeChunkMessage(back), bytes);
      assert.equal(back.type, m.type);
    }),
    { seed: 5, numRuns: 2000 },
  );
});

Deno.test("fields out of bounds are bad_message both ways", () => {
  const bad = (f: () => unknown) => assert.throws(f, (e) => isMycelError(e, "bad_message"));
  const ids = (n: number) => Array.from({ length: n }, () => new Uint8Array(32));
  bad(() => encodeChunkMessage({ type: "want", folder: "docs", ids: ids(MAX_WANT_IDS + 1) }));
  bad(() => encodeChunkMessage({ type: "want", folder: "../docs", ids: ids(1) }));
  bad(() => decodeChunkMessage(encodeCbor(["fq", "docs", ids(MAX_WANT_IDS + 1)])));
  bad(() => decodeChunkMessage(encodeCbor(["fq", "docs", [new Uint8Array(31)]])));
  bad(() => decodeChunkMessage(encodeCbor(["fc", new Uint8Array(32), 10, 8, new Uint8Array(4)])));
  bad(() =>
    decodeChunkMessage(
      encodeCbor(["fc", new Uint8Array(32), 2 * MAX_PIECE, 0, new Uint8Array(MAX_PIECE + 1)]),
    )
  );
  bad(() =>
    decodeChunkMessage(encodeCbor(["fc", new Uint8Array(32), (16 << 20) + 1, 0, new Uint8Array(1)]))
  );
  bad(() => decodeChunkMessage(encodeCbor(["fe", "x", "\u001b[2J"])));
  bad(() => decodeChunkMessage(encodeCbor(["fz", 1])));
  bad(() => decodeChunkMessage(encodeCbor(["zz"])));
});

Deno.test("fuzz: random CBOR is a message that re-encodes to itself, or bad_message", () => {
  const field = fc.oneof(
    fc.integer({ min: -2, max: 70_000 }),
    fc.string({ maxLength: 6 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 34 }),
    fc.array(fc.uint8Array({ minLength: 31, maxLength: 33 }), { maxLength: 3 }),
  );
  let accepted = 0;
  fc.assert(
    fc.property(
      fc.constantFrom("fq", "fc", "fn", "fz", "fe", "en", ""),
      fc.array(field, { maxLength: 5 }),
      (tag, rest) => {
        const bytes = encodeCbor([tag, ...rest]);
        try {
          const m = decodeChunkMessage(bytes);
          accepted++;
          assert.deepEqual(encodeChunkMessage(m), bytes);
        } catch (e) {
          assert.ok(isMycelError(e, "bad_message"), String(e));
        }
      },
    ),
    { seed: 6, numRuns: 20_000 },
  );
  assert.ok(accepted > 20, `only ${accepted} accepted`);
});

Deno.test("encodePieceParts: head and bytes are exactly the piece's encoding, at every length boundary", () => {
  const lengths = [1, 2, 23, 24, 255, 256, 65_535, 65_536, 1_000_000, MAX_PIECE];
  for (const n of lengths) {
    const bytes = new Uint8Array(n).map((_, i) => i * 7);
    const m = {
      type: "piece" as const,
      id: new Uint8Array(32).fill(3),
      total: n + 5,
      offset: 5,
      bytes,
    };
    const [head, body] = encodePieceParts(m);
    assert.equal(body, bytes, "the bytes themselves, not a copy");
    const whole = new Uint8Array(head.length + body.length);
    whole.set(head);
    whole.set(body, head.length);
    assert.deepEqual(whole, encodeChunkMessage(m), `length ${n}`);
    assert.deepEqual(decodeChunkMessage(whole), m);
  }
  // What the encoder refuses, this refuses too.
  assert.throws(() =>
    encodePieceParts({
      type: "piece",
      id: new Uint8Array(32),
      total: 4,
      offset: 2,
      bytes: new Uint8Array(3),
    })
  );
});
