/**
 * @module removed_tries_guard_test
 * `sync serve --listen` tells a removed device's replayed message from its
 * attempts by a replay memory (src/sync/removed_tries.ts). It shared the
 * members' (src/transport/replay_guard.ts), which forgets its oldest keys
 * past its cap (65,536): that many attempts of a removed device's key
 * pushed members' first messages out, and a replay of a member's first
 * message was then answered again (found by a review, issue 9). Now each
 * has its own. The listener runs in this process with a cap of 2 (the same
 * eviction, at a cost a test can carry); the devices are real processes on
 * 127.0.0.1.
 */

import assert from "node:assert/strict";
import { serveListen } from "../../src/sync/serve.ts";
import { limitsFor } from "../../src/sync/session_bounds.ts";
import type { MeshRowJson } from "../../src/cli/json_types.ts";
import { freePort } from "../helpers/net.ts";
import { devices } from "./_helpers.ts";
import { recordFirstMessage } from "./_stranger.ts";

/** Forward connections on `from` to `to` (the removed phone dials `from`) until disposed. */
function forward(from: number, to: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: from });
  const pump = async (a: Deno.Conn, b: Deno.Conn) => {
    try {
      await a.readable.pipeTo(b.writable);
    } catch {
      // closed or reset
    }
  };
  const running = (async () => {
    for await (const client of listener) {
      const upstream = await Deno.connect({ hostname: "127.0.0.1", port: to });
      pump(client, upstream);
      pump(upstream, client);
    }
  })();
  return {
    async [Symbol.asyncDispose]() {
      listener.close();
      await running.catch(() => {});
    },
  };
}

/** Deliver `message` on a fresh connection to `port`; read until the hang-up. */
async function replay(port: number, message: Uint8Array): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(message);
    const buf = new Uint8Array(4096);
    while ((await conn.read(buf)) !== null) {
      // the reply (unreadable without the initiator's keys), then the hang-up
    }
  } catch {
    // reset
  } finally {
    conn.close();
  }
}

Deno.test("sync serve --listen: a removed device's attempts do not push a member's first message out of the replay memory", async () => {
  await using devs = await devices(["laptop", "phone", "tablet"]);
  const [laptop, phone, tablet] = devs.list;
  await devs.peer(laptop, phone);
  await devs.peer(laptop, tablet);
  await laptop.write("mesh", "remove", "phone", "--yes");
  const serverPort = freePort();
  const lines: string[] = [];
  const stop = new AbortController();
  const { promise: ready, resolve: onListening } = Promise.withResolvers<number>();
  const serving = serveListen(laptop.home, "127.0.0.1", serverPort, stop.signal, {
    now: Date.now,
    env: () => undefined,
    limits: limitsFor(2000),
    log: (line) => lines.push(line),
    kept: 2,
    onListening,
  });
  try {
    await Promise.race([ready, serving]);
    // The tablet's first message, taken (the first key the memory holds).
    const first = await recordFirstMessage(laptop, tablet, serverPort);
    {
      await using _ = forward(laptop.port, serverPort);
      for (let i = 0; i < 3; i++) {
        const o = (await phone.syncNow()).of(laptop);
        assert.deepEqual([o.status, o.code], ["refused", "removed"], JSON.stringify(o));
      }
    }
    const before = lines.length;
    await replay(serverPort, first);
    // The line the listener writes once the replay's connection is done with.
    for (let waited = 0; lines.length === before; waited += 50) {
      if (waited > 15_000) throw new Error(`no line for the replay:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Refused at once, as a stranger is: the memory still holds it.
    assert.match(
      lines[before],
      /^refused 127\.0\.0\.1:\d+: this device does not accept your device$/,
      lines.join("\n"),
    );
  } finally {
    stop.abort();
    await serving;
  }
  const rows = await laptop.tmp.json<MeshRowJson[]>(["mesh", "list", "--json"]);
  assert.equal(rows.find((r) => r.id === phone.id)?.tried?.count, 3);
});
