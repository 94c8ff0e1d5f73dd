/**
 * @module stranger
 * A stranger dialling a device's sync port (fresh keys no member has), and
 * what it must not learn: shared by the tests of what strangers get
 * (trust_test.ts, stdio_stranger_test.ts).
 */

import { concatBytes, utf8 } from "../../src/bytes.ts";
import { Handshake, NOISE_IK } from "../../src/crypto/noise.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { generateDeviceKeys } from "../../src/log/identity.ts";
import { decodeCard } from "../../src/protocol/card.ts";
import { SYNC_PROLOGUE, SYNC_PROTOCOL_VERSION } from "../../src/protocol/sync_fields.ts";
import { decodeHelloReply, encodeHello } from "../../src/protocol/sync_hello.ts";
import { FrameConn } from "../../src/transport/frame_conn.ts";
import { initiatorHandshake } from "../../src/transport/handshake_io.ts";
import { connectTcp, type TcpStream } from "../../src/transport/tcp.ts";
import type { Device } from "./_helpers.ts";

/** A TCP stream that keeps a copy of every byte it reads. */
export function recording(stream: TcpStream): TcpStream & { received: Uint8Array[] } {
  const received: Uint8Array[] = [];
  return {
    ...stream,
    received,
    read: async (buffer) => {
      const n = await stream.read(buffer);
      if (n !== null) received.push(buffer.slice(0, n));
      return n;
    },
  };
}

/** Everything the stranger must not learn, as bytes. */
export function secretsOf(meshId: string, devs: Device[]): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [["the mesh id", utf8(meshId)]];
  for (const d of devs) {
    const key = DeviceKey.fromId(d.id);
    out.push(
      [`${d.name}'s name`, utf8(d.name)],
      [`${d.name}'s id`, utf8(d.id)],
      [`${d.name}'s short id`, utf8(key.short)],
      [`${d.name}'s key`, key.bytes],
      [`${d.name}'s key in hex`, utf8(key.hex)],
    );
  }
  return out;
}

export function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Dial `target` as a stranger: fresh keys (no member has them), the
 * server's Noise key from its card, a hello with `admission`. Returns the
 * reply and every byte received (raw and decrypted).
 */
export async function strangerDials(
  target: Device,
  admission: Uint8Array[] = [],
  keys?: Awaited<ReturnType<typeof generateDeviceKeys>>,
  protocol = NOISE_IK,
) {
  const card = await decodeCard(await target.card());
  keys ??= await generateDeviceKeys();
  const stream = recording(await connectTcp("127.0.0.1", target.port, 5000));
  const conn = new FrameConn(stream, { peer: stream.remote });
  const hs = Handshake.create({
    protocol,
    initiator: true,
    prologue: SYNC_PROLOGUE,
    staticKey: { publicKey: keys.noisePublic, privateKey: keys.noisePrivate },
    remoteStatic: Uint8Array.fromBase64(card.record.noiseKey),
  });
  const { replyPayload, channel } = await initiatorHandshake(
    conn,
    hs,
    encodeHello({ version: SYNC_PROTOCOL_VERSION, admission }),
    5000,
  );
  const decrypted = [replyPayload];
  // Whatever else comes (nothing should: the server hangs up).
  try {
    for (let m; (m = await channel.receive(5000)) !== null;) decrypted.push(m);
  } catch {
    // reset or closed
  }
  channel.close();
  return {
    reply: decodeHelloReply(replyPayload),
    raw: concatBytes(...stream.received),
    decrypted: concatBytes(...decrypted),
    extra: decrypted.length - 1,
    keys,
  };
}

/** Size and modification time of `path` (undefined when it does not exist). */
export async function fileStamp(
  path: string,
): Promise<{ size: number; mtime?: number } | undefined> {
  const s = await Deno.stat(path).catch(() => undefined);
  return s && { size: s.size, mtime: s.mtime?.getTime() };
}

/**
 * The first handshake message `friend` sends `target`, recorded by a relay
 * on `target`'s advertised endpoint that forwards to its server on
 * `serverPort`, during one round of `friend`'s (which must sync): what an
 * on-path listener can replay later.
 */
export async function recordFirstMessage(
  target: Device,
  friend: Device,
  serverPort: number,
): Promise<Uint8Array> {
  const recorded: Uint8Array[] = [];
  const relay = Deno.listen({ hostname: "127.0.0.1", port: target.port });
  const relaying = (async () => {
    for await (const client of relay) {
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: serverPort });
      const pump = async (a: Deno.Conn, b: Deno.Conn, keep: boolean) => {
        const buf = new Uint8Array(65536);
        try {
          for (let n; (n = await a.read(buf)) !== null;) {
            if (keep) recorded.push(buf.slice(0, n));
            await b.write(buf.subarray(0, n));
          }
        } catch {
          // closed
        }
        try {
          b.close();
        } catch {
          // closed already
        }
      };
      pump(client, upstream, true);
      pump(upstream, client, false);
    }
  })();
  try {
    const first = await friend.syncAll();
    if (first.of(target).status !== "synced") {
      throw new Error(`the recorded round did not sync: ${JSON.stringify(first.outcomes)}`);
    }
  } finally {
    relay.close();
    await relaying.catch(() => {});
  }
  const sent = concatBytes(...recorded);
  const length = new DataView(sent.buffer, sent.byteOffset).getUint16(0);
  if (length <= 32) throw new Error("no first handshake message was recorded");
  return sent.slice(0, 2 + length);
}
