/**
 * @module slot_eviction_test
 * A stranger with many source addresses holds every connection slot of a
 * real `mycel sync serve --listen` with idle sockets (4 per address, the
 * per-source cap, from 8 loopback addresses: the listener's 32). A member's
 * `sync now` still gets in: the oldest connection not authenticated yet
 * gives its slot up (src/transport/connection_slots.ts). Before, the member
 * was refused as busy until the idle sockets' handshake deadline, and the
 * stranger could open them again at once.
 */

import assert from "node:assert/strict";
import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../../src/protocol/connection_limits.ts";
import { idleSocket } from "../helpers/net.ts";
import { sleep } from "../helpers/process.ts";
import { devices } from "./_helpers.ts";

Deno.test("every slot held by idle strangers from many addresses: a member's sync still gets in", async () => {
  await using devs = await devices(["target", "friend"]);
  const [target, friend] = devs.list;
  await devs.peer(target, friend);
  await target.write("pref", "set", "theme", "dark");
  // A handshake deadline far longer than the test: idle sockets hold their slots throughout.
  const server = await target.serve(60);
  const from = server.stderr.length;
  const sockets: ReturnType<typeof idleSocket>[] = [];
  try {
    const sources = MAX_CONCURRENT / MAX_PER_SOURCE;
    for (let i = 0; i < sources; i++) {
      for (let k = 0; k < MAX_PER_SOURCE; k++) {
        const s = idleSocket(target.port, `127.0.0.${i + 2}`);
        sockets.push(s);
        await s.connected;
      }
    }
    await sleep(300); // every one accepted and holding a slot
    const round = await friend.syncAll();
    assert.equal(round.of(target).status, "synced", JSON.stringify(round.outcomes));
    assert.ok(round.of(target).received >= 1, "the target's entries arrived");
    await server.waitFor(/^busy: closed 127\.0\.0\.2:\d+, not authenticated yet/m, {
      stream: "stderr",
      from,
      timeoutMs: 10_000,
    });
    assert.ok(!server.exited, "the server must keep running");
    // The evicted one is the oldest: the first socket from 127.0.0.2, now closed.
    await sockets[0].closed;
  } finally {
    for (const s of sockets) s.destroy();
  }
  await devs.assertConverged();
});
