/**
 * @module message_assembler_test
 * MessageAssembler: messages survive any split of the stream into frames
 * (10,000 random splits, including length prefixes cut across frames); an
 * oversize declared length fails on the very push that completes it, before
 * the body is buffered (2,000 runs); random frames raise nothing but
 * message_too_large (3,000 runs); framing and transport splitting edge cases.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes } from "../../src/bytes.ts";
import { MycelError } from "../../src/errors.ts";
import {
  framedPieces,
  frameMessage,
  MAX_TRANSPORT_PLAINTEXT,
  MessageAssembler,
  splitForTransport,
} from "../../src/protocol/message_assembler.ts";
import { MAX_SYNC_MESSAGE } from "../../src/protocol/sync_fields.ts";
import { assertMycelError } from "../helpers/assert.ts";

// Cut `bytes` at the given (unsorted, possibly repeated) points; empty frames included.
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = points.map((p) => p % (bytes.length + 1)).sort((a, b) => a - b);
  const frames: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    frames.push(bytes.slice(from, p));
    from = p;
  }
  return frames;
}

function drain(a: MessageAssembler, out: Uint8Array[]): void {
  for (let m = a.next(); m !== undefined; m = a.next()) out.push(m);
}

Deno.test("MessageAssembler returns every message, in order, for any split (10,000 runs)", () => {
  const messages = fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 8 });
  const points = fc.array(fc.nat(), { maxLength: 30 });
  fc.assert(
    fc.property(messages, points, (msgs, pts) => {
      const a = new MessageAssembler(100);
      const got: Uint8Array[] = [];
      for (const frame of cut(concatBytes(...msgs.map((m) => frameMessage(m))), pts)) {
        a.push(frame);
        drain(a, got);
      }
      assert.deepStrictEqual(got, msgs);
      assert.equal(a.pending, 0);
    }),
    { numRuns: 10_000 },
  );
});

Deno.test("MessageAssembler rejects an oversize declared length on the push that completes it", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 4 }),
      fc.integer({ min: 65, max: 0xffffffff }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (before, declared, pts) => {
        const prefix = new Uint8Array(4);
        new DataView(prefix.buffer).setUint32(0, declared);
        const head = concatBytes(...before.map((m) => frameMessage(m)));
        const stream = concatBytes(head, prefix, new Uint8Array(10));
        const a = new MessageAssembler(64);
        let pushed = 0;
        const got: Uint8Array[] = [];
        for (const frame of cut(stream, pts)) {
          const completes = pushed < head.length + 4 && pushed + frame.length >= head.length + 4;
          if (completes) {
            const e = assertMycelError(() => a.push(frame));
            assert.equal(e.code, "message_too_large");
            assert.equal(assertMycelError(() => a.next()).code, "message_too_large");
            assert.equal(
              assertMycelError(() => a.push(new Uint8Array(1))).code,
              "message_too_large",
            );
            return;
          }
          a.push(frame);
          pushed += frame.length;
          drain(a, got);
        }
        assert.fail("the oversize prefix was never completed");
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("MessageAssembler only ever throws message_too_large on random frames", () => {
  const frames = fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 10 });
  fc.assert(
    fc.property(frames, (fs) => {
      const a = new MessageAssembler(100);
      try {
        for (const f of fs) {
          a.push(f);
          for (let m = a.next(); m !== undefined; m = a.next()) assert.ok(m.length <= 100);
        }
      } catch (e) {
        if (!(e instanceof MycelError) || e.code !== "message_too_large") throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

Deno.test("MessageAssembler checks a second message's prefix in the same frame", () => {
  const a = new MessageAssembler(8);
  const bad = Uint8Array.of(0, 0, 0, 9);
  const e = assertMycelError(() => a.push(concatBytes(frameMessage(new Uint8Array(2)), bad)));
  assert.equal(e.code, "message_too_large");
  assert.match(e.message, /9 bytes/);
});

Deno.test("MessageAssembler accepts a message of exactly the maximum and an empty one", () => {
  const a = new MessageAssembler(5);
  a.push(concatBytes(frameMessage(new Uint8Array(5).fill(1)), frameMessage(new Uint8Array(0))));
  assert.deepStrictEqual(a.next(), new Uint8Array(5).fill(1));
  assert.deepStrictEqual(a.next(), new Uint8Array(0));
  assert.equal(a.next(), undefined);
});

Deno.test("MessageAssembler.pending counts buffered bytes and copies pushed frames", () => {
  const a = new MessageAssembler();
  const frame = frameMessage(Uint8Array.of(1, 2, 3));
  a.push(frame.subarray(0, 5));
  assert.equal(a.pending, 5);
  assert.equal(a.next(), undefined);
  frame.fill(0, 0, 5); // the caller reusing its buffer must not corrupt ours
  a.push(frame.subarray(5));
  assert.deepStrictEqual(a.next(), Uint8Array.of(1, 2, 3));
  assert.equal(a.pending, 0);
});

Deno.test("MessageAssembler carries a 4 MiB message across 65519-byte frames", () => {
  const big = new Uint8Array(MAX_SYNC_MESSAGE).map((_, i) => i * 7);
  const a = new MessageAssembler();
  const got: Uint8Array[] = [];
  for (const f of splitForTransport(frameMessage(big))) {
    a.push(f);
    drain(a, got);
  }
  assert.equal(got.length, 1);
  assert.deepStrictEqual(got[0], big);
});

Deno.test("frameMessage() writes a big-endian u32 prefix and refuses oversize messages", () => {
  assert.deepStrictEqual(frameMessage(Uint8Array.of(9)), Uint8Array.of(0, 0, 0, 1, 9));
  const e = assertMycelError(() => frameMessage(new Uint8Array(MAX_SYNC_MESSAGE + 1)));
  assert.equal(e.code, "message_too_large");
});

Deno.test("splitForTransport() cuts into bounded frames that rejoin to the input", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (b, n) => {
      const parts = splitForTransport(b, n);
      assert.ok(parts.every((p) => p.length >= 1 && p.length <= n));
      assert.deepStrictEqual(concatBytes(...parts), b);
    }),
  );
  assert.deepStrictEqual(splitForTransport(new Uint8Array(0)), []);
  assert.equal(splitForTransport(new Uint8Array(MAX_TRANSPORT_PLAINTEXT + 1)).length, 2);
  assert.equal(assertMycelError(() => splitForTransport(new Uint8Array(1), 0)).code, "internal");
  assert.equal(
    assertMycelError(() => splitForTransport(new Uint8Array(1), 65520)).code,
    "internal",
  );
});

Deno.test("MessageAssembler.nextView() returns the same messages as next(), reusing its buffer", () => {
  const messages = [MAX_TRANSPORT_PLAINTEXT * 20, 5, 0, MAX_TRANSPORT_PLAINTEXT * 20, 9].map((
    n,
    i,
  ) => new Uint8Array(n).fill(i + 1));
  const stream = concatBytes(...messages.map((m) => frameMessage(m)));
  const viewer = new MessageAssembler(), copier = new MessageAssembler();
  const viewed: Uint8Array[] = [], copied: Uint8Array[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for (const frame of splitForTransport(stream, MAX_TRANSPORT_PLAINTEXT)) {
    viewer.push(frame);
    copier.push(frame);
    for (let m = viewer.nextView(); m !== undefined; m = viewer.nextView()) {
      viewed.push(m.slice()); // valid until the next push
      if (m.length > 1 << 20) buffers.add(m.buffer);
    }
    drain(copier, copied);
  }
  assert.deepEqual(viewed, messages);
  assert.deepEqual(copied, messages);
  // The second large message landed in the buffer the first one grew.
  assert.equal(buffers.size, 1);
});

Deno.test("framedPieces: the same pieces as framing the concatenation and splitting it; inside one part, views", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
      fc.integer({ min: 1, max: 64 }),
      (parts, chunk) => {
        const expected = splitForTransport(frameMessage(concatBytes(...parts)), chunk);
        const got = framedPieces(parts, MAX_SYNC_MESSAGE, chunk);
        assert.deepEqual(got, expected);
      },
    ),
    { numRuns: 2000 },
  );
  // A large part: every whole piece inside it is a view of it (no copy).
  const big = new Uint8Array(3 * MAX_TRANSPORT_PLAINTEXT).map((_, i) => i);
  const pieces = framedPieces([new Uint8Array(10), big]);
  assert.deepEqual(concatBytes(...pieces), frameMessage(concatBytes(new Uint8Array(10), big)));
  assert.ok(pieces.slice(1, -1).every((p) => p.buffer === big.buffer), "copied");
  assert.throws(
    () => framedPieces([new Uint8Array(8), new Uint8Array(8)], 15),
    (e) => e instanceof MycelError && e.code === "message_too_large",
  );
});
