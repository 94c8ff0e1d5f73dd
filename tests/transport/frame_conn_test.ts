/**
 * @module frame_conn_test
 * FrameConn over in-memory streams: round trips, clean and unclean EOF,
 * deadlines (silent and trickling peers), the byte budget, write limits,
 * partial writes, and the withDeadline helper.
 */

import assert from "node:assert/strict";
import { FRAME_MAX, FrameConn } from "../../src/transport/frame_conn.ts";
import { withDeadline } from "../../src/deadline.ts";
import type { ByteStream } from "../../src/transport/byte_stream.ts";
import { assertMycelError, assertRejectsMycel } from "../helpers/assert.ts";
import { sleep } from "../helpers/process.ts";
import { memoryPipe, scriptedStream, STRICT } from "./helpers.ts";

function frames(...lengths: number[]): Uint8Array[] {
  return lengths.map((n) => new Uint8Array(n).map((_, i) => (i * 7 + n) & 0xff));
}

Deno.test("FrameConn round-trips frames of 0, 1, 255, 256 and 65535 bytes", STRICT, async () => {
  const [a, b] = memoryPipe();
  const writer = new FrameConn(a);
  const reader = new FrameConn(b);
  const sent = frames(0, 1, 255, 256, FRAME_MAX);
  for (const f of sent) await writer.writeFrame(f);
  writer.close();
  for (const f of sent) assert.deepEqual(await reader.readFrame(1000), f);
  assert.equal(await reader.readFrame(1000), null);
  assert.equal(reader.bytesRead, writer.bytesWritten);
  assert.equal(reader.bytesRead, sent.reduce((sum, f) => sum + 2 + f.length, 0));
  reader.close();
});

Deno.test(
  "FrameConn.readFrame() reassembles frames delivered one byte per read",
  STRICT,
  async () => {
    const wire = new Uint8Array([0, 3, 1, 2, 3, 0, 0, 0, 1, 9]);
    const conn = new FrameConn(scriptedStream(wire, [1], "eof"));
    assert.deepEqual(await conn.readFrame(500), new Uint8Array([1, 2, 3]));
    assert.deepEqual(await conn.readFrame(500), new Uint8Array([]));
    assert.deepEqual(await conn.readFrame(500), new Uint8Array([9]));
    assert.equal(await conn.readFrame(500), null);
    conn.close();
  },
);

Deno.test(
  "FrameConn.readFrame() rejects EOF inside a header or body with connection_closed",
  STRICT,
  async () => {
    for (const wire of [[0], [0, 5, 1, 2]]) {
      const stream = scriptedStream(new Uint8Array(wire), [64], "eof");
      const conn = new FrameConn(stream, { peer: "test-peer" });
      const error = await assertRejectsMycel(conn.readFrame(500), "connection_closed");
      assert.match(error.message, /middle of a frame.*\(test-peer\)/);
      assert.ok(stream.closed() && conn.closed);
    }
  },
);

Deno.test(
  "FrameConn.readFrame() times out a peer that sends nothing, and closes",
  STRICT,
  async () => {
    const stream = scriptedStream(new Uint8Array(0), [1], "hang");
    const conn = new FrameConn(stream, { peer: "127.0.0.1:9" });
    const started = Date.now();
    const error = await assertRejectsMycel(conn.readFrame(50), "timeout");
    assert.equal(error.message, "Cannot read from peer: no data within 0.05s (127.0.0.1:9)");
    assert.ok(Date.now() - started < 1000);
    assert.ok(stream.closed());
    await assertRejectsMycel(conn.readFrame(50), "connection_closed");
  },
);

Deno.test(
  "FrameConn.layFrames() and writeLaid() put on the wire what writeFrames() does",
  STRICT,
  async () => {
    const sent = frames(0, 1, 255, FRAME_MAX, 7);
    const lengths = sent.map((f) => f.length);
    const wire = new Uint8Array(FrameConn.wireLength(lengths) + 3).fill(0xaa);
    FrameConn.layFrames(wire, lengths).forEach((body, i) => body.set(sent[i]));
    assert.deepEqual([...wire.subarray(wire.length - 3)], [0xaa, 0xaa, 0xaa], "nothing past them");
    const [a, b] = memoryPipe(), [c, d] = memoryPipe();
    const laid = new FrameConn(a), copied = new FrameConn(c);
    await laid.writeLaid(wire.subarray(0, FrameConn.wireLength(lengths)));
    await copied.writeFrames(sent);
    laid.close();
    copied.close();
    const readLaid = new FrameConn(b), readCopied = new FrameConn(d);
    for (const f of sent) {
      assert.deepEqual(await readLaid.readFrame(1000), f);
      assert.deepEqual(await readCopied.readFrame(1000), f);
    }
    assert.equal(await readLaid.readFrame(1000), null);
    assert.equal(readLaid.bytesRead, readCopied.bytesRead);
    assertMycelError(
      () => FrameConn.layFrames(new Uint8Array(FRAME_MAX + 3), [FRAME_MAX + 1]),
      "frame_too_large",
    );
  },
);

Deno.test("FrameConn.readFrame() times out a peer that trickles bytes", STRICT, async () => {
  const [a, b] = memoryPipe();
  const conn = new FrameConn(b);
  let stop = false;
  const trickle = (async () => {
    await a.write(new Uint8Array([0, 100]));
    while (!stop) {
      await sleep(10);
      if (!stop) await a.write(new Uint8Array([1])).catch(() => stop = true);
    }
  })();
  const error = await assertRejectsMycel(conn.readFrame(150), "timeout");
  assert.match(error.message, /still incomplete after 0.15s/);
  stop = true;
  await trickle;
  a.close();
});

Deno.test(
  "FrameConn.readFrame() refuses a frame over the byte budget before reading its body",
  STRICT,
  async () => {
    // Only the header arrives; the budget check must not wait for the body.
    const stream = scriptedStream(
      new Uint8Array([0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 0]),
      [64],
      "hang",
    );
    const conn = new FrameConn(stream, { maxBytes: 20 });
    assert.equal((await conn.readFrame(500))?.length, 10);
    const error = await assertRejectsMycel(conn.readFrame(500), "too_much_data");
    assert.match(error.message, /more than this connection allows \(20 bytes\)/);
    assert.ok(stream.closed());
  },
);

Deno.test(
  "FrameConn.readFrameViews() takes the frames already whole in one read, up to the limit, and waits for nothing more",
  STRICT,
  async () => {
    // Three whole frames and half of a fourth arrive in one read; then the stream hangs.
    const wire = new Uint8Array([0, 1, 1, 0, 2, 2, 2, 0, 0, 0, 3, 4]);
    const stream = scriptedStream(wire, [64], "hang");
    const conn = new FrameConn(stream);
    const first = await conn.readFrameViews(500, 2);
    assert.deepEqual(first?.map((f) => [...f]), [[1], [2, 2]]);
    const second = await conn.readFrameViews(500, 16);
    assert.deepEqual(second?.map((f) => [...f]), [[]], "the partial frame is left for later");
    assert.equal(conn.bytesRead, 9);
    await assertRejectsMycel(conn.readFrameViews(50, 16), "timeout");
  },
);

Deno.test(
  "FrameConn.readFrameViews() leaves a frame over the byte budget to the next read, which refuses it",
  STRICT,
  async () => {
    const wire = new Uint8Array([0, 2, 1, 1, 0, 2, 2, 2, 0, 1, 3]);
    const conn = new FrameConn(scriptedStream(wire, [64], "hang"), { maxBytes: 8 });
    const got = await conn.readFrameViews(500, 16);
    assert.deepEqual(got?.map((f) => [...f]), [[1, 1], [2, 2]]);
    await assertRejectsMycel(conn.readFrameViews(500, 16), "too_much_data");
  },
);

Deno.test(
  "FrameConn.writeFrames() sends a run of frames in one write, read back as the same frames",
  STRICT,
  async () => {
    const [a, b] = memoryPipe();
    const writes: number[] = [];
    const counting: ByteStream = {
      read: a.read,
      write: (bytes) => {
        writes.push(bytes.length);
        return a.write(bytes);
      },
      close: a.close,
    };
    const writer = new FrameConn(counting);
    const sent = frames(10, 0, FRAME_MAX, 5);
    await writer.writeFrames(sent);
    assert.deepEqual(writes, [sent.reduce((n, f) => n + 2 + f.length, 0)]);
    await assertRejectsMycel(
      writer.writeFrames([new Uint8Array(1), new Uint8Array(FRAME_MAX + 1)]),
      "frame_too_large",
    );
    assert.equal(writes.length, 1, "a run with an oversize frame sends nothing");
    const reader = new FrameConn(b);
    reader.readAhead(16);
    for (const f of sent) assert.deepEqual(await reader.readFrame(500), f);
    writer.close();
    reader.close();
  },
);

Deno.test(
  "FrameConn.writeFrame() rejects frames over 65535 bytes and stays usable",
  STRICT,
  async () => {
    const [a, b] = memoryPipe();
    const writer = new FrameConn(a);
    const error = await assertRejectsMycel(
      writer.writeFrame(new Uint8Array(FRAME_MAX + 1)),
      "frame_too_large",
    );
    assert.match(error.message, /65536 bytes/);
    await writer.writeFrame(new Uint8Array([7]));
    const reader = new FrameConn(b);
    assert.deepEqual(await reader.readFrame(500), new Uint8Array([7]));
    writer.close();
    reader.close();
  },
);

Deno.test(
  "FrameConn.writeFrame() finishes partial writes and keeps concurrent frames in order",
  STRICT,
  async () => {
    const [a, b] = memoryPipe();
    // A stream that accepts at most 3 bytes per write, like a congested socket.
    const stingy: ByteStream = {
      read: a.read,
      write: (bytes) => a.write(bytes.subarray(0, 3)),
      close: a.close,
    };
    const writer = new FrameConn(stingy);
    const sent = frames(10, 0, 1000, 5);
    await Promise.all(sent.map((f) => writer.writeFrame(f)));
    const reader = new FrameConn(b);
    for (const f of sent) assert.deepEqual(await reader.readFrame(500), f);
    writer.close();
    reader.close();
  },
);

Deno.test("FrameConn.writeFrame() times out a peer that stops taking data", STRICT, async () => {
  let interrupt: (() => void) | undefined;
  const stuck: ByteStream = {
    read: () => Promise.resolve(null),
    write: () =>
      new Promise((_, reject) => interrupt = () => reject(new Deno.errors.Interrupted("x"))),
    close: () => interrupt?.(),
  };
  const conn = new FrameConn(stuck, { writeTimeoutMs: 50 });
  const error = await assertRejectsMycel(conn.writeFrame(new Uint8Array(4)), "timeout");
  assert.match(error.message, /took no data for 0.05s/);
  assert.ok(conn.closed);
});

Deno.test("FrameConn.readFrame() refuses a second read while one is running", STRICT, async () => {
  const stream = scriptedStream(new Uint8Array(0), [1], "hang");
  const conn = new FrameConn(stream);
  const first = conn.readFrame(2000);
  await assertRejectsMycel(conn.readFrame(2000), "transport_state");
  conn.close();
  await assertRejectsMycel(first, "connection_closed");
});

Deno.test(
  "FrameConn.readFrame() refuses a timeout that is not a positive finite number",
  STRICT,
  async () => {
    const conn = new FrameConn(scriptedStream(new Uint8Array(0), [1], "eof"));
    for (const ms of [0, -1, Infinity, NaN]) await assert.rejects(conn.readFrame(ms), RangeError);
    conn.close();
  },
);

Deno.test("withDeadline() passes results and errors through when in time", STRICT, async () => {
  assert.equal(await withDeadline(Promise.resolve(42), 1000, "answer"), 42);
  await assert.rejects(withDeadline(Promise.reject(new Error("boom")), 1000, "answer"), /boom/);
});

Deno.test("withDeadline() ends slow work with a timeout and runs onExpire", STRICT, async () => {
  let expired = false;
  let release: (() => void) | undefined;
  const slow = new Promise<void>((_, reject) => release = () => reject(new Error("cancelled")));
  const error = await assertRejectsMycel(
    withDeadline(slow, 30, "sync with peer", () => {
      expired = true;
      release?.();
    }),
    "timeout",
  );
  assert.equal(error.message, "Cannot sync with peer: it did not finish within 0.03s");
  assert.ok(expired);
});

Deno.test(
  "FrameConn.writeFrames() gives a slow peer that keeps taking data all the time it needs",
  STRICT,
  async () => {
    const [a, b] = memoryPipe();
    // 10 bytes every 10 ms: a 1000-byte frame takes over a second, twice the 500 ms
    // deadline, yet no call waits 500 ms for the peer to take something. (It was
    // 30 ms a call against 100 ms: a pause of 70 ms anywhere in the run, on a
    // loaded machine, failed it.)
    const slow: ByteStream = {
      read: a.read,
      write: async (bytes) => {
        await sleep(10);
        return await a.write(bytes.subarray(0, 10));
      },
      close: a.close,
    };
    const writer = new FrameConn(slow, { writeTimeoutMs: 500 });
    const sent = frames(1000, 500);
    await writer.writeFrames(sent);
    const reader = new FrameConn(b);
    for (const f of sent) assert.deepEqual(await reader.readFrame(500), f);
    writer.close();
    reader.close();
  },
);
