/**
 * @module stdio_eviction_test
 * A device served the systemd way (a fresh `mycel sync serve --stdio` per
 * connection, under real socket activation) flooded with idle connections
 * from several loopback addresses: past the threshold, each new process
 * evicts the oldest idle one (it closes its connection at once, well before
 * the 10 s handshake deadline) and the newest stay; a member's round gets
 * through while the flood goes on; a member device's third session at once
 * is refused `busy` across the processes. Before, nothing was evicted: under
 * systemd the 16th idle connection locked every member out.
 *
 * The threshold is lowered to 4 (`MYCEL_STDIO_EVICT_AT`, which can only
 * lower the 12 the unit's 16 leave headroom for) so that few processes show
 * it; systemd-socket-activate itself has no `MaxConnections=`, so what is
 * asserted is the eviction (closed connections, registered processes), not
 * a lockout.
 */

import assert from "node:assert/strict";
import { idleSocket } from "../helpers/net.ts";
import { devices } from "./_helpers.ts";
import { rogueDials } from "./_rogue.ts";
import {
  activatedDone,
  activatedPids,
  activateServe,
  activatorAvailable,
  registeredOf,
} from "./_socket_activate.ts";

const EVICT_AT = 4;
/**
 * Under the handshake deadline (10 s) an idle connection would otherwise
 * hold, with room for a loaded machine: the evicting connection's process
 * has to start (deno) before it can register and evict.
 */
const AT_ONCE_MS = 6_000;
/** The handshake deadline of the activated processes (`--timeout 10`). */
const HANDSHAKE_MS = 10_000;

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;
const EVICTED = /^busy: closing 127\.0\.0\.[2-5] \(pid \d+\), not authenticated yet/gm;

Deno.test({
  name:
    "sync serve --stdio: past the threshold the oldest idle connections are closed at once, the newest stay, and a member syncs through the flood",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "laptop"]);
    const [target, friend] = devs.list;
    await devs.peer(target, friend);
    const activator = await activateServe(target, target.endpoint, {
      MYCEL_STDIO_EVICT_AT: String(EVICT_AT),
    });
    const sockets: ReturnType<typeof idleSocket>[] = [];
    const opened: number[] = [];
    let flooding = true;
    try {
      // A member's round first: the bookkeeping holds where it dials from.
      assert.equal((await friend.syncAll()).of(target).status, "synced");
      await activatedDone(activator);

      // Twice the threshold, one after another, from four other addresses.
      for (let i = 0; i < 2 * EVICT_AT; i++) {
        const s = idleSocket(target.port, `127.0.0.${2 + (i % 4)}`);
        await s.connected;
        sockets.push(s);
        opened.push(performance.now());
        if (i < EVICT_AT) {
          // Registered before the next connection comes, so "oldest" is this order.
          await until(`process ${i} registered`, () => registeredOf(activator) > i, 20_000);
          continue;
        }
        const oldest = sockets[i - EVICT_AT];
        await Promise.race([oldest.closed, new Promise((r) => setTimeout(r, AT_ONCE_MS))]);
        assert.ok(
          oldest.closedAt !== undefined,
          `idle connection ${
            i - EVICT_AT
          } still open ${AT_ONCE_MS} ms after connection ${i} opened`,
        );
        const held = oldest.closedAt - opened[i - EVICT_AT];
        assert.ok(held < HANDSHAKE_MS * 0.8, `idle connection held ${held.toFixed(0)} ms`);
      }
      const stayed = sockets.slice(EVICT_AT).filter((s) => s.closedAt === undefined).length;
      assert.equal(stayed, EVICT_AT, "the newest idle connections stay");
      assert.equal(registeredOf(activator), EVICT_AT);
      // The evicted processes exited (not merely closed their connections).
      const exited = performance.now();
      while ((await activatedPids(activator)).length > EVICT_AT) {
        assert.ok(performance.now() - exited < AT_ONCE_MS, "evicted processes still run");
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.equal(count(activator.stderr, EVICTED), EVICT_AT, activator.stderr);

      // The flood goes on (a new idle connection every 300 ms) while the member syncs.
      const flood = (async () => {
        for (let i = 0; flooding; i++) {
          const s = idleSocket(target.port, `127.0.0.${2 + (i % 4)}`);
          sockets.push(s);
          await s.connected.catch(() => {});
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      try {
        await until("the flood evicted more", () => count(activator.stderr, EVICTED) > EVICT_AT);
        const round = await friend.syncAll();
        assert.equal(round.of(target).status, "synced", JSON.stringify(round.outcomes));
      } finally {
        flooding = false;
        await flood;
      }
      assert.ok(count(activator.stderr, EVICTED) > EVICT_AT + 1, "the flood was evicted meanwhile");
    } finally {
      flooding = false;
      for (const s of sockets) s.destroy();
      await activatedDone(activator).catch(() => {});
      await activator.stop("SIGTERM");
    }
  },
});

Deno.test({
  name:
    "sync serve --stdio: a member device's third session at once is refused busy across the processes",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "holder", "other"]);
    const [target, holder, other] = devs.list;
    await devs.peer(target, holder);
    await devs.peer(target, other);
    const deadline = 8;
    const activator = await activateServe(target, target.endpoint, {
      MYCEL_SESSION_DEADLINE: String(deadline),
    });
    try {
      // Each dripping session lasts the session deadline: all three overlap.
      const drips = Array.from({ length: 3 }, () => rogueDials(holder, target, "drip"));
      let reports;
      try {
        await activator.waitFor(/^refused holder \(\w+\): this device serves 2 sessions/m, {
          stream: "stderr",
          timeoutMs: deadline * 1000,
        });
        const others = await other.syncNow();
        assert.equal(others.of(target).status, "synced", JSON.stringify(others.outcomes));
      } finally {
        reports = await Promise.all(drips);
      }
      const refused = reports.filter((d) => d.reply !== "ok");
      assert.equal(refused.length, 1, JSON.stringify(reports));
      assert.match(String(refused[0].error), /serves 2 sessions of yours already/);
      await activatedDone(activator);
      // The held sessions ended: the holder gets in again.
      const after = await holder.syncNow();
      assert.equal(after.of(target).status, "synced", JSON.stringify(after.outcomes));
    } finally {
      await activator.stop("SIGTERM");
    }
  },
});

Deno.test({
  name:
    "sync serve --stdio: a registry folder that is not safe to use costs a note, never a member's session",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "laptop"]);
    const [target, friend] = devs.list;
    await devs.peer(target, friend);
    // Another user's link where the registry would be: refused, and served anyway.
    const runtime = await Deno.makeTempDir({ dir: "/dev/shm", prefix: "mycel-test-run-" });
    const activator = await activateServe(target, target.endpoint, { XDG_RUNTIME_DIR: runtime });
    try {
      await Deno.symlink("/tmp", `${runtime}/mycel`);
      assert.equal((await friend.syncAll()).of(target).status, "synced");
      await activatedDone(activator);
      assert.match(
        activator.stderr,
        /^note: connections not tracked across processes: Cannot track the serving processes: it is not a plain folder/m,
      );
    } finally {
      await activator.stop("SIGTERM");
      await Deno.remove(runtime, { recursive: true });
    }
  },
});
