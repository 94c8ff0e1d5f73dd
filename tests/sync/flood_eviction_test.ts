/**
 * @module flood_eviction_test
 * A stranger floods a real `mycel sync serve --listen` from as many source
 * addresses as the listener has slots: as soon as one of its connections is
 * closed it opens another, so the listener is always full and every new
 * connection evicts one not authenticated yet. A member dialling meanwhile
 * was the newest connection, and with the oldest evicted first, the flood
 * evicted it before its handshake was through ("the peer hung up during the
 * handshake"). Now a connection from a source members proved sessions from
 * (the bookkeeping's addresses, src/transport/known_sources.ts) is evicted
 * only once none from elsewhere is left, and so is one whose first
 * handshake message was admitted (src/transport/connection_slots.ts); junk is
 * closed as soon as it fails to read.
 */

import assert from "node:assert/strict";
import { MAX_CONCURRENT } from "../../src/protocol/connection_limits.ts";
import { idleSocket } from "../helpers/net.ts";
import { sleep } from "../helpers/process.ts";
import { devices } from "./_helpers.ts";

/** A first frame of a handshake's size whose bytes are noise: it fails to read. */
const JUNK_FRAME = (() => {
  const frame = new Uint8Array(2 + 96);
  frame[1] = 96;
  crypto.getRandomValues(frame.subarray(2));
  return frame;
})();

/** Each lane's pause after a close (this machine runs the suite in parallel: no busy loop). */
const PAUSE_MS = 10;

for (const junk of [false, true]) {
  const what = junk ? "each sending a junk first message" : "idle";
  Deno.test(`a flood of connections (${what}) from as many addresses as slots does not keep a member out`, async () => {
    await using devs = await devices(["target", "friend"]);
    const [target, friend] = devs.list;
    await devs.peer(target, friend);
    // One round before: the target's bookkeeping has where the friend
    // connects from. A listener started after reads it from there.
    await target.serve(60);
    await friend.syncAll();
    await target.stopServer();
    await target.write("pref", "set", "theme", "dark");
    const server = await target.serve(60);
    let flooding = true;
    // A socket destroyed while it connects may never say it closed: the lanes
    // stop waiting on theirs when the flood is called off.
    const { promise: stopped, resolve: stop } = Promise.withResolvers<void>();
    let opened = 0;
    const live = new Set<ReturnType<typeof idleSocket>>();
    // Each lane holds one connection and opens the next as soon as that one
    // is closed (evicted, refused at the per-source cap, or its junk read).
    const lane = async (address: string) => {
      while (flooding) {
        const s = idleSocket(target.port, address);
        live.add(s);
        opened++;
        await Promise.race([
          s.connected.then(() => junk && s.write(JUNK_FRAME), () => {}),
          stopped,
        ]);
        await Promise.race([s.closed, stopped]);
        live.delete(s);
        if (flooding) await sleep(PAUSE_MS);
      }
    };
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < MAX_CONCURRENT; i++) {
      for (let k = 0; k < 2; k++) lanes.push(lane(`127.0.0.${i + 2}`));
    }
    try {
      await sleep(500); // the flood is on: the listener full, churning
      const before = opened;
      await sleep(200);
      assert.ok(opened - before > 20, `a flood, not idle sockets (${opened - before} in 200 ms)`);
      for (let round = 0; round < 3; round++) {
        const r = await friend.syncAll();
        assert.equal(r.of(target).status, "synced", JSON.stringify(r.outcomes));
      }
      assert.ok(opened - before > 100, `the flood went on (${opened - before} connections)`);
      assert.ok(!server.exited, "the server must keep running");
    } finally {
      flooding = false;
      stop();
      for (const s of live) s.destroy();
      await Promise.all(lanes);
    }
    await devs.assertConverged();
  });
}
