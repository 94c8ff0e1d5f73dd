/**
 * @module on_path_test
 * Someone on the path of a sync session (a relay on the server's advertised
 * endpoint, forwarding to the real `mycel sync serve`; the real `mycel sync
 * now` dials the endpoint as usual):
 * - passive, it sees only ciphertext: the recorded bytes of both directions
 *   hold no preference key or value, no device name, id, signing, Noise or
 *   WireGuard key and no mesh id (Noise_IK encrypts the initiator's static
 *   key; the responder's is never sent);
 * - active, one flipped byte in the message carrying the entries fails the
 *   session on both sides (the AEAD tag does not verify), nothing of that
 *   message is applied on the server, both say so, and the next round
 *   without the relay syncs everything.
 */

import assert from "node:assert/strict";
import { concatBytes, utf8 } from "../../src/bytes.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeCard } from "../../src/protocol/card.ts";
import { freePort } from "../helpers/net.ts";
import { type Device, devices, snapshot } from "./_helpers.ts";

/** A value big enough that the entries message is the only frame over 1000 bytes. */
const SECRET = `diary-${"confidential ".repeat(200)}end`;

/** What a relay may do to the frames the initiator sends. */
type Mode = "record" | "flip";

/**
 * Relay connections on `port` to `upstream`, recording both directions. In
 * `flip` mode the first initiator frame over 1000 bytes (past the handshake)
 * gets one byte flipped. Frames are the transport's u16-length-prefixed ones.
 */
function relay(port: number, upstream: number, mode: Mode) {
  const recorded: Uint8Array[] = [];
  let flipped = 0;
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const done = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: UPSTREAM_HOST, port: upstream });
      const close = () => {
        for (const c of [client, server]) {
          try {
            c.close();
          } catch {
            // closed already
          }
        }
      };
      const toServer = async () => {
        let pending: Uint8Array = new Uint8Array(0);
        const buf = new Uint8Array(65536);
        try {
          for (let n; (n = await client.read(buf)) !== null;) {
            pending = concatBytes(pending, buf.subarray(0, n));
            while (pending.length >= 2) {
              const len = (pending[0] << 8) | pending[1];
              if (pending.length < 2 + len) break;
              const frame = pending.slice(0, 2 + len);
              pending = pending.slice(2 + len);
              recorded.push(frame.slice());
              if (mode === "flip" && flipped === 0 && len > 1000) {
                frame[2 + (len >> 1)] ^= 0x40;
                flipped++;
              }
              await server.write(frame);
            }
          }
        } catch {
          // reset
        }
        close();
      };
      const toClient = async () => {
        const buf = new Uint8Array(65536);
        try {
          for (let n; (n = await server.read(buf)) !== null;) {
            recorded.push(buf.slice(0, n));
            await client.write(buf.subarray(0, n));
          }
        } catch {
          // reset
        }
        close();
      };
      toServer();
      toClient();
    }
  })();
  return {
    bytes: () => concatBytes(...recorded),
    flipped: () => flipped,
    async close() {
      listener.close();
      await done.catch(() => {});
    },
  };
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

async function secretsOf(devs: Device[]): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [
    ["the mesh id", utf8((await devs[0].status()).mesh.id)],
    ["the preference key", utf8("journal")],
    ["the preference value", utf8(SECRET.slice(0, 40))],
  ];
  for (const d of devs) {
    const card = await decodeCard(await d.card());
    const key = DeviceKey.fromId(d.id);
    out.push(
      [`${d.name}'s name`, utf8(d.name)],
      [`${d.name}'s id`, utf8(d.id)],
      [`${d.name}'s signing key`, key.bytes],
      [`${d.name}'s Noise key`, Uint8Array.fromBase64(card.record.noiseKey)],
      [`${d.name}'s WireGuard key`, Uint8Array.fromBase64(card.record.wgKey)],
    );
  }
  return out;
}

/** `server` serves on a port of its own; its advertised endpoint is left for a relay. */
/**
 * Where the real server listens behind the relay: another loopback address
 * than the endpoint peers know (127.0.0.1 at the relay's port), as a port
 * forward in front of it would be. On the same address, `sync serve` would
 * move the endpoint to its own port (the serve_port rule), around the relay.
 */
const UPSTREAM_HOST = "127.0.0.2";

async function setup() {
  const devs = await devices(["hearth", "ember"]);
  const [server, client] = devs.list;
  await devs.peer(server, client);
  const serverPort = freePort();
  const proc = server.tmp.spawn(
    ["sync", "serve", "--listen", `${UPSTREAM_HOST}:${serverPort}`, "--timeout", "10"],
    { timeoutMs: 0 },
  );
  await proc.waitFor(/listening on/, { stream: "stderr", timeoutMs: 30_000 });
  server.server = proc;
  return { devs, server, client, serverPort };
}

Deno.test("a passive relay of a sync session sees no name, key, mesh id or value", async () => {
  const { devs, server, client, serverPort } = await setup();
  await using _ = devs;
  await client.write("pref", "set", "journal", SECRET);
  const r = relay(server.port, serverPort, "record");
  try {
    const round = await client.syncNow();
    assert.equal(round.of(server).status, "synced", JSON.stringify(round.outcomes));
  } finally {
    await r.close();
  }
  assert.equal((await server.ok(["pref", "get", "journal"])).stdout.trim(), SECRET);
  const seen = r.bytes();
  assert.ok(seen.length > SECRET.length, `the relay saw only ${seen.length} bytes`);
  for (const [what, bytes] of await secretsOf([server, client])) {
    assert.ok(!contains(seen, bytes), `${what} crossed the wire in clear`);
  }
});

Deno.test("one byte flipped on the path fails the session, applies nothing, and the next round syncs", async () => {
  const { devs, server, client, serverPort } = await setup();
  await using _ = devs;
  await client.write("pref", "set", "journal", SECRET);
  const before = await snapshot(server, { prefs: true });
  const proc = server.server!;
  const from = proc.stderr.length;
  const r = relay(server.port, serverPort, "flip");
  let round;
  try {
    round = await client.syncNow();
  } finally {
    await r.close();
  }
  assert.equal(r.flipped(), 1, "the relay flipped a byte of the entries message");
  const o = round.of(server);
  assert.equal(o.status, "failed", JSON.stringify(o));
  const [line] = await proc.waitFor(/^failed ember .*$/m, {
    stream: "stderr",
    from,
    timeoutMs: 15_000,
  });
  assert.match(line, /^failed ember \([A-Z0-9]{7}\): authentication failed$/, line);
  assert.deepEqual(await snapshot(server, { prefs: true }), before, "the altered message applied");

  // Without the relay (the real server back on the endpoint), everything arrives.
  await server.stopServer();
  await server.serve();
  const again = await client.syncNow();
  assert.equal(again.of(server).status, "synced", JSON.stringify(again.outcomes));
  assert.equal((await server.ok(["pref", "get", "journal"])).stdout.trim(), SECRET);
});
