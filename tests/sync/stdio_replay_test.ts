/**
 * @module stdio_replay_test
 * A member's recorded first handshake message, replayed to a device served
 * the systemd way (a fresh `mycel sync serve --stdio` per connection, under
 * real socket activation). Each process is alone, so before, nothing knew a
 * first message had been taken: a replay completed the handshake and held
 * its process, and one of the socket unit's 16 connections, until the `hi`
 * deadline (10 s). Now the processes of a home share one memory of the first
 * messages they took (src/storage/first_messages.ts): a replay is refused at
 * once, as `sync serve --listen` refuses one (slot_eviction_test.ts), and of
 * two racing with one message to two processes at most one is taken.
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { GENERIC_REFUSAL } from "../../src/protocol/sync_hello.ts";
import { freePort, idleSocket } from "../helpers/net.ts";
import { type Device, devices } from "./_helpers.ts";
import { activatedDone, activateServe, activatorAvailable } from "./_socket_activate.ts";
import { recordFirstMessage } from "./_stranger.ts";

/** Well under the `hi` deadline (10 s) a taken replay would wait out. */
const AT_ONCE_MS = 3_000;

/** Deliver `message` on a fresh connection to `port`; ms until the server hung up. */
async function replay(port: number, message: Uint8Array): Promise<number> {
  const s = idleSocket(port, "127.0.0.1");
  try {
    await s.connected;
    const sentAt = performance.now();
    s.write(message);
    await s.closed;
    return s.closedAt! - sentAt;
  } finally {
    s.destroy();
  }
}

/**
 * The first handshake message `friend` sends `target` in a round, caught on
 * `target`'s endpoint and never passed on: no process of `target`'s took it.
 */
async function untakenFirstMessage(target: Device, friend: Device): Promise<Uint8Array> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: target.port });
  const caught = (async () => {
    const conn = await listener.accept();
    let got: Uint8Array = new Uint8Array(0);
    try {
      const buf = new Uint8Array(65536);
      for (let n; (n = await conn.read(buf)) !== null;) {
        got = concatBytes(got, buf.subarray(0, n));
        const end = got.length >= 2
          ? 2 + new DataView(got.buffer, got.byteOffset).getUint16(0)
          : Infinity;
        if (got.length >= end) return got.slice(0, end);
      }
      throw new Error("the round hung up before its first handshake message");
    } finally {
      conn.close();
    }
  })();
  try {
    await friend.syncNow(); // fails for target: nothing answers
    return await caught;
  } finally {
    listener.close();
  }
}

Deno.test({
  name:
    "sync serve --stdio: a first message one process took is refused at once by the next, and the member still syncs",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "laptop"]);
    const [target, friend] = devs.list;
    await devs.peer(target, friend);
    // A relay on the advertised endpoint records a round, which a process
    // activated elsewhere takes.
    const port = freePort();
    const recorder = await activateServe(target, `127.0.0.1:${port}`);
    let firstMessage: Uint8Array;
    try {
      firstMessage = await recordFirstMessage(target, friend, port);
      await activatedDone(recorder);
    } finally {
      await recorder.stop("SIGTERM");
    }
    const activator = await activateServe(target);
    try {
      const from = activator.stderr.length;

      for (let i = 0; i < 2; i++) {
        const ms = await replay(target.port, firstMessage);
        assert.ok(ms < AT_ONCE_MS, `a replay was held ${ms.toFixed(0)} ms`);
      }
      await activator.waitFor(/(?:refused [^\n]*\n[\s\S]*){2}/, {
        stream: "stderr",
        from,
        timeoutMs: 10_000,
      });
      await activatedDone(activator);
      // Each activated process's line (the activator's own lines aside).
      // (Named by the connection's address, read from the socket itself.)
      const lines = activator.stderr.slice(from).split("\n")
        .filter((l) => /^\w+ 127\.0\.0\.1:\d+:/.test(l))
        .map((l) => l.replace(/:\d+:/, ":PORT:"));
      assert.deepEqual(
        lines,
        Array(2).fill(`refused 127.0.0.1:PORT: ${GENERIC_REFUSAL.message}`),
      );

      // The member's own sessions, each a fresh handshake, still get in.
      await target.write("pref", "set", "theme", "dark");
      for (let i = 0; i < 2; i++) {
        assert.equal((await friend.syncAll()).of(target).status, "synced");
      }
      await devs.assertConverged();
    } finally {
      await activator.stop("SIGTERM");
    }
  },
});

Deno.test({
  name:
    "sync serve --stdio: one first message replayed to two processes at once is taken by at most one",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "laptop"]);
    const [target, friend] = devs.list;
    await devs.peer(target, friend);
    const firstMessage = await untakenFirstMessage(target, friend);
    const activator = await activateServe(target);
    try {
      const held = await Promise.all([0, 1].map(() => replay(target.port, firstMessage)));
      held.sort((a, b) => a - b);
      assert.ok(held[0] < AT_ONCE_MS, `neither replay was refused at once: ${held}`);
      // The one taken waits for a `hi` that never comes (the handshake's deadline).
      assert.ok(
        held[1] > 5_000,
        `both replays were refused, or the taken one dropped early: ${held}`,
      );
      await activatedDone(activator);
      const refused = activator.stderr.split("\n").filter((l) => l.startsWith("refused "))
        .map((l) => l.replace(/:\d+:/, ":PORT:"));
      assert.deepEqual(
        refused,
        [`refused 127.0.0.1:PORT: ${GENERIC_REFUSAL.message}`],
        activator.stderr,
      );
      assert.equal((await friend.syncAll()).of(target).status, "synced");
    } finally {
      await activator.stop("SIGTERM");
    }
  },
});
