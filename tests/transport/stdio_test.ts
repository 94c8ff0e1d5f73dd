/**
 * @module stdio_test
 * The stdio transport end to end: a child Deno process runs an IK responder
 * over its own stdin/stdout (tests/transport/fixtures/stdio_responder.ts), and
 * the test talks to it through the child's pipes, as systemd would through
 * the accepted socket.
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../../src/bytes.ts";
import { generateNoiseKeyPair, Handshake, NOISE_IK } from "../../src/crypto/noise.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { initiatorHandshake } from "../../src/transport/handshake_io.ts";
import { openStdioStream } from "../../src/transport/stdio.ts";
import { fromWebStreams } from "../../src/transport/web_streams.ts";
import { memoryPipe, STRICT } from "./helpers.ts";

const root = new URL("../../", import.meta.url);
const fixture = new URL("fixtures/stdio_responder.ts", import.meta.url);

/** Collect a child's stderr; resolves `firstLine` as soon as one line is in. */
function drain(stderr: ReadableStream<Uint8Array>) {
  let text = "";
  let sawLine: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => sawLine = resolve);
  const done = (async () => {
    for await (const chunk of stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      if (text.includes("\n")) sawLine(text.slice(0, text.indexOf("\n")));
    }
    sawLine(text);
    return text;
  })();
  return { firstLine, done };
}

Deno.test("A --stdio responder serves one IK session over its stdin/stdout", STRICT, async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-env", decodeURIComponent(fixture.pathname)],
    cwd: decodeURIComponent(root.pathname),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = drain(child.stderr);
  const conn = new FrameConn(fromWebStreams(child.stdout, child.stdin), { peer: "child" });
  try {
    const announced = await stderr.firstLine;
    assert.match(announced, /^public [0-9a-f]{64}$/);
    const alice = generateNoiseKeyPair();
    const hs = Handshake.create({
      protocol: NOISE_IK,
      initiator: true,
      staticKey: alice,
      remoteStatic: fromHex(announced.slice(7)),
    });
    const { replyPayload, channel } = await initiatorHandshake(conn, hs, text("hi"), 10_000);
    assert.equal(
      new TextDecoder().decode(replyPayload),
      `hello ${toHex(alice.publicKey).slice(0, 8)}`,
    );
    for (const size of [0, 5, 100_000]) {
      const message = new Uint8Array(size).map((_, i) => i & 0xff);
      await channel.send(message);
      assert.deepEqual(await channel.receive(5000), message.reverse());
    }
    channel.close();
  } finally {
    conn.close();
  }
  const status = await child.status;
  const log = await stderr.done;
  assert.equal(status.code, 0, log);
  // The stray console.log went to stderr, and the session still worked.
  assert.match(log, /stray log line: hi\n/);
  assert.match(log, /done\n/);
});

Deno.test("openStdioStream() moves console output off stdout until closed", STRICT, async () => {
  const [a, b] = memoryPipe();
  const original = console.log;
  const stream = openStdioStream({ stdin: a, stdout: a });
  try {
    assert.notEqual(console.log, original);
    await stream.write(new Uint8Array([1, 2]));
    const buffer = new Uint8Array(4);
    assert.equal(await b.read(buffer), 2);
  } finally {
    stream.close();
    b.close();
  }
  assert.equal(console.log, original);
});

Deno.test(
  "openStdioStream() names the peer from systemd's REMOTE_ADDR and REMOTE_PORT",
  STRICT,
  () => {
    const saved = [Deno.env.get("REMOTE_ADDR"), Deno.env.get("REMOTE_PORT")];
    const restore = (name: string, value: string | undefined) =>
      value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
    const [a] = memoryPipe();
    try {
      Deno.env.set("REMOTE_ADDR", "fd00::7");
      Deno.env.set("REMOTE_PORT", "51000");
      const stream = openStdioStream({ stdin: a, stdout: a, guardConsole: false });
      assert.equal(stream.remote, "[fd00::7]:51000");
      stream.close();
      Deno.env.delete("REMOTE_ADDR");
      assert.equal(openStdioStream({ stdin: a, stdout: a, guardConsole: false }).remote, "stdio");
    } finally {
      restore("REMOTE_ADDR", saved[0]);
      restore("REMOTE_PORT", saved[1]);
      a.close();
    }
  },
);

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}
