/**
 * @module memory_stream_test
 * In-memory links behave like the two ends of a TCP connection: bytes
 * arrive in order whatever the read sizes; closing one end lets the other
 * read what is left, then the end of stream, and its writes fail; a cut
 * ends both sides at once and loses what was in flight; byte counts are
 * per direction; frames cross one as over TCP. (Whole sync sessions over
 * memory links: tests/sync/_mem_mesh.ts and the tests using it.)
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes } from "../../src/bytes.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { memoryLink } from "../../src/transport/memory_stream.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";

async function readAll(
  stream: { read(b: Uint8Array): Promise<number | null> },
  size: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const buf = new Uint8Array(size);
    const n = await stream.read(buf);
    if (n === null) return concatBytes(...parts);
    parts.push(buf.slice(0, n));
  }
}

Deno.test("a memory link delivers every byte in order, whatever the write and read sizes", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
      fc.integer({ min: 1, max: 97 }),
      async (writes, readSize) => {
        const link = memoryLink();
        for (const w of writes) assert.equal(await link.a.write(w), w.length);
        link.a.close();
        assert.deepEqual(await readAll(link.b, readSize), concatBytes(...writes));
        const total = writes.reduce((n, w) => n + w.length, 0);
        assert.deepEqual([link.bytes.aToB, link.bytes.bToA], [total, 0]);
      },
    ),
    { seed: 7, numRuns: 200 },
  );
});

Deno.test("closing one end: the other reads what is left, then the end; its writes fail", async () => {
  const link = memoryLink({ a: "dialler", b: "answerer" });
  assert.equal(link.a.remote, "answerer");
  assert.equal(link.b.remote, "dialler");
  const pending = link.b.read(new Uint8Array(8)); // waiting before anything arrives
  await link.a.write(new Uint8Array([1, 2, 3]));
  assert.equal(await pending, 3);
  await link.a.write(new Uint8Array([4]));
  link.a.close();
  link.a.close(); // twice is fine
  const buf = new Uint8Array(8);
  assert.equal(await link.b.read(buf), 1);
  assert.equal(buf[0], 4);
  assert.equal(await link.b.read(buf), null);
  await assertRejectsMycel(() => link.b.write(new Uint8Array([9])), "connection_closed");
  await assertRejectsMycel(() => link.a.write(new Uint8Array([9])), "connection_closed");
  assert.equal(await link.a.read(buf), null);
});

Deno.test("a cut ends both sides at once and loses what was in flight", async () => {
  const link = memoryLink();
  await link.a.write(new Uint8Array([1, 2, 3]));
  const waiting = link.a.read(new Uint8Array(4));
  link.cut();
  assert.equal(await waiting, null);
  assert.equal(await link.b.read(new Uint8Array(4)), null, "the bytes in flight are gone");
  await assertRejectsMycel(() => link.a.write(new Uint8Array([1])), "connection_closed");
  await assertRejectsMycel(() => link.b.write(new Uint8Array([1])), "connection_closed");
});

Deno.test("frames cross a memory link as over TCP", async () => {
  const link = memoryLink();
  const a = new FrameConn(link.a), b = new FrameConn(link.b);
  const frames = [new Uint8Array(0), new Uint8Array(65535).fill(7), new Uint8Array([1, 2])];
  for (const f of frames) await a.writeFrame(f);
  for (const f of frames) assert.deepEqual(await b.readFrame(1000), f);
  a.close();
  assert.equal(await b.readFrame(1000), null);
  b.close();
});
