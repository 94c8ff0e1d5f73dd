/**
 * @module helpers
 * Test doubles for the transport tests: an in-memory duplex pipe, a scripted
 * stream that replays bytes in chosen chunk sizes, a seeded random source
 * and a TCP pair on 127.0.0.1. The MycelError rejection assertion is
 * `assertRejectsMycel` in tests/helpers/assert.ts.
 */

import assert from "node:assert/strict";
import { generateNoiseKeyPair, Handshake, NOISE_IK } from "../../src/crypto/noise.ts";
import type { ByteStream } from "../../src/transport/byte_stream.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { SecureChannel } from "../../src/transport/secure_channel.ts";
import { connectTcp, type TcpStream } from "../../src/transport/tcp.ts";
import { listenTcp } from "../../src/transport/tcp_listener.ts";

interface Direction {
  chunks: Uint8Array[];
  ended: boolean;
  wake?: () => void;
}

function half(inbox: Direction, outbox: Direction): ByteStream & { closed(): boolean } {
  let closed = false;
  let interrupt: ((e: Error) => void) | undefined;
  return {
    closed: () => closed,
    async read(buffer) {
      while (!closed && inbox.chunks.length === 0 && !inbox.ended) {
        await new Promise<void>((resolve, reject) => {
          inbox.wake = resolve;
          interrupt = reject;
        });
      }
      if (closed) throw new Deno.errors.BadResource("closed");
      const chunk = inbox.chunks[0];
      if (!chunk) return null;
      const n = Math.min(buffer.length, chunk.length);
      buffer.set(chunk.subarray(0, n));
      if (n === chunk.length) inbox.chunks.shift();
      else inbox.chunks[0] = chunk.subarray(n);
      return n;
    },
    write(bytes) {
      if (closed || outbox.ended) return Promise.reject(new Deno.errors.BrokenPipe("closed"));
      outbox.chunks.push(bytes.slice());
      outbox.wake?.();
      return Promise.resolve(bytes.length);
    },
    close() {
      if (closed) return;
      closed = true;
      outbox.ended = true;
      outbox.wake?.();
      interrupt?.(new Deno.errors.Interrupted("closed"));
    },
  };
}

/**
 * Options for every transport test. Deno 2.9 no longer checks ops and
 * resources by default; these tests are about never leaking either.
 */
export const STRICT = { sanitizeOps: true, sanitizeResources: true } as const;

/** An IK handshake between fresh keys, run to completion in memory: both sides, ready to split. */
export async function completedIk(): Promise<{ initiator: Handshake; responder: Handshake }> {
  const bob = generateNoiseKeyPair();
  const initiator = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    staticKey: generateNoiseKeyPair(),
    remoteStatic: bob.publicKey,
  });
  const responder = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: bob });
  await responder.readMessage(await initiator.writeMessage());
  await initiator.readMessage(await responder.writeMessage());
  return { initiator, responder };
}

/** Both ends of an IK session over an in-memory pipe: [initiator's, responder's]. */
export async function channelPair(): Promise<[SecureChannel, SecureChannel]> {
  const [x, y] = memoryPipe();
  const { initiator, responder } = await completedIk();
  return [
    SecureChannel.fromHandshake(new FrameConn(x), initiator),
    SecureChannel.fromHandshake(new FrameConn(y), responder),
  ];
}

/** Two connected in-memory streams: what one writes, the other reads. */
export function memoryPipe(): [
  ByteStream & { closed(): boolean },
  ByteStream & { closed(): boolean },
] {
  const ab: Direction = { chunks: [], ended: false };
  const ba: Direction = { chunks: [], ended: false };
  return [half(ba, ab), half(ab, ba)];
}

/**
 * A stream that hands out `data` in reads of the given sizes (cycled), then
 * ends (`"eof"`) or waits until closed (`"hang"`). Writes are collected.
 */
export function scriptedStream(
  data: Uint8Array,
  sizes: number[],
  end: "eof" | "hang",
): ByteStream & { written: Uint8Array[]; closed(): boolean } {
  let offset = 0;
  let turn = 0;
  let closed = false;
  let interrupt: ((e: Error) => void) | undefined;
  const written: Uint8Array[] = [];
  return {
    written,
    closed: () => closed,
    read(buffer) {
      if (closed) return Promise.reject(new Deno.errors.BadResource("closed"));
      if (offset < data.length) {
        const size = Math.max(1, sizes[turn++ % sizes.length]);
        const n = Math.min(size, buffer.length, data.length - offset);
        buffer.set(data.subarray(offset, offset + n));
        offset += n;
        return Promise.resolve(n);
      }
      if (end === "eof") return Promise.resolve(null);
      return new Promise((_, reject) => interrupt = reject);
    },
    write(bytes) {
      written.push(bytes.slice());
      return Promise.resolve(bytes.length);
    },
    close() {
      closed = true;
      interrupt?.(new Deno.errors.Interrupted("closed"));
    },
  };
}

/** A small seeded PRNG (mulberry32), so a failing fuzz case can be replayed. */
export function random(seed: number): { int(below: number): number; bytes(n: number): Uint8Array } {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    int: (below) => Math.floor(next() * below),
    bytes(n) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
  };
}

/** A connected TCP pair on 127.0.0.1; the listener is already closed. */
export async function tcpPair(): Promise<{ client: TcpStream; server: TcpStream }> {
  const listener = listenTcp("127.0.0.1", 0);
  try {
    const [client, server] = await Promise.all([
      connectTcp("127.0.0.1", listener.port, 2000),
      listener.accept(),
    ]);
    assert.ok(server);
    return { client, server };
  } finally {
    listener.close();
  }
}
