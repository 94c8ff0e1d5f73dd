/**
 * @module frame_fuzz_test
 * In-process fuzz of the frame reader: 12,000 seeded inputs (valid frame
 * sequences, random garbage, truncations, budget overruns, peers that stop
 * sending) delivered in random read sizes. Each run is compared with a
 * straightforward reference parser, and must end in frames, null or a
 * MycelError: never another error, never a hang.
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { withDeadline } from "../../src/deadline.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { random, scriptedStream, STRICT } from "./helpers.ts";

type Outcome = { frames: Uint8Array[]; end: string };

// What a correct reader must produce for `wire` under `maxBytes`.
function reference(wire: Uint8Array, maxBytes: number, hang: boolean): Outcome {
  const frames: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const rest = wire.length - at;
    if (rest === 0) return { frames, end: hang ? "timeout" : "eof" };
    if (rest < 2) return { frames, end: hang ? "timeout" : "connection_closed" };
    const length = (wire[at] << 8) | wire[at + 1];
    if (at + 2 + length > maxBytes) return { frames, end: "too_much_data" };
    if (rest < 2 + length) return { frames, end: hang ? "timeout" : "connection_closed" };
    frames.push(wire.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
}

async function run(wire: Uint8Array, sizes: number[], maxBytes: number, hang: boolean) {
  const stream = scriptedStream(wire, sizes, hang ? "hang" : "eof");
  const conn = new FrameConn(stream, { maxBytes });
  const frames: Uint8Array[] = [];
  try {
    for (;;) {
      const frame = await conn.readFrame(hang ? 5 : 1000);
      if (frame === null) return { frames, end: "eof" };
      frames.push(frame);
    }
  } catch (error) {
    if (!isMycelError(error)) throw error;
    assert.ok(stream.closed(), "a failed read must close the stream");
    return { frames, end: error.code };
  } finally {
    conn.close();
  }
}

function frame(rng: ReturnType<typeof random>, big: boolean): Uint8Array {
  const length = big ? 60000 + rng.int(5536) : rng.int(300);
  return concatBytes(new Uint8Array([length >> 8, length & 0xff]), rng.bytes(length));
}

// One input of each flavour, chosen by `kind`.
function input(rng: ReturnType<typeof random>, kind: number): Uint8Array {
  const valid = () => {
    const parts: Uint8Array[] = [];
    for (let n = rng.int(6); n > 0; n--) parts.push(frame(rng, rng.int(50) === 0));
    return concatBytes(...parts);
  };
  switch (kind) {
    case 0:
      return valid();
    case 1:
      return rng.bytes(rng.int(400));
    case 2: {
      const wire = valid();
      return wire.subarray(0, rng.int(wire.length + 1));
    }
    default:
      return concatBytes(valid(), rng.bytes(rng.int(40)));
  }
}

Deno.test(
  "FrameConn.readFrame() survives 12,000 random, truncated and oversize inputs",
  STRICT,
  async () => {
    const seed = 0x5eed;
    const rng = random(seed);
    const seen = new Map<string, number>();
    for (let i = 0; i < 12_000; i++) {
      const wire = input(rng, i % 4);
      const sizes = Array.from(
        { length: 1 + rng.int(4) },
        () => 1 + rng.int(rng.int(2) ? 8 : 70000),
      );
      // Most budgets are generous; every fifth is small enough to be hit.
      const maxBytes = i % 5 === 0 ? rng.int(600) : 1 << 20;
      const hang = i % 97 === 0;
      const expected = reference(wire, maxBytes, hang);
      const got = await withDeadline(run(wire, sizes, maxBytes, hang), 5000, `fuzz case ${i}`);
      assert.deepEqual(got, expected, `case ${i} (seed ${seed})`);
      seen.set(got.end, (seen.get(got.end) ?? 0) + 1);
    }
    // Every outcome was exercised, not just the easy one.
    for (const end of ["eof", "connection_closed", "too_much_data", "timeout"]) {
      assert.ok((seen.get(end) ?? 0) > 50, `${end}: ${seen.get(end)}`);
    }
  },
);
