/**
 * @module idle_test
 * Sockets that connect to `mycel pair`'s listener and say nothing must
 * neither cost the code an attempt nor keep a real joiner waiting: every
 * connection waits for its first frame at the same time, idle ones are
 * dropped after the hello deadline, and one source address holds at most
 * MAX_PER_SOURCE of them (the rest are closed at once). Before, the listener
 * read one connection at a time, so 16 idle sockets held a joiner back for
 * 16 × 5 s, past the code's lifetime. Real processes on loopback; the idle
 * sockets come from 127.0.0.3.
 */

import assert from "node:assert/strict";
import { MAX_CONCURRENT, MAX_PER_SOURCE } from "../../src/protocol/connection_limits.ts";
import { HELLO_MS } from "../../src/sync/pairing_listener.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { idleSocket } from "../helpers/net.ts";
import { startInviter } from "./_helpers.ts";

/** Slack over a deadline on a loaded 2-core machine (ms). */
const SLACK_MS = 2500;

Deno.test("pairing: 16 idle sockets cost no attempt and do not hold back a real joiner", async () => {
  await using inviter = await tempHome();
  await using joiner = await tempHome();
  await inviter.run(["init", "--name", "hearth"]);
  const inv = await startInviter(inviter, { ttl: "1m" });
  const idle = Array.from({ length: 16 }, () => idleSocket(inv.port, "127.0.0.3"));
  try {
    const t0 = performance.now();
    await Promise.all(idle.map((s) => s.connected));

    const joinAt = performance.now();
    const args = ["pair", inv.code, "--name", "ember"];
    const j = await joiner.run(args, { timeoutMs: 60_000 });
    const pairedAt = performance.now();
    assert.equal(j.code, 0, describe(args, j));
    const i = await inv.proc.result();
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /paired with ember/);
    assert.doesNotMatch(i.stderr, /wrong code|attempts? left/, "an idle socket cost an attempt");
    // One at a time, the joiner would have waited behind 16 hello deadlines.
    assert.ok(
      pairedAt - joinAt < 3 * HELLO_MS,
      `the joiner took ${(pairedAt - joinAt).toFixed(0)} ms to pair`,
    );

    // All but MAX_PER_SOURCE were refused at once; those were held while the
    // joiner paired (until the hello deadline, or the inviter's end).
    await Promise.all(idle.map((s) => s.closed));
    const closed = idle.map((s) => s.closedAt!).sort((a, b) => a - b);
    for (const at of closed.slice(0, 16 - MAX_PER_SOURCE)) {
      assert.ok(at - t0 < SLACK_MS, `refused after ${(at - t0).toFixed(0)} ms`);
    }
    for (const at of closed.slice(16 - MAX_PER_SOURCE)) {
      assert.ok(at > joinAt, `a held socket was dropped ${(joinAt - at).toFixed(0)} ms before`);
      assert.ok(at - t0 < HELLO_MS + SLACK_MS, `held for ${(at - t0).toFixed(0)} ms`);
    }
  } finally {
    for (const s of idle) s.destroy();
    await inv.proc.stop();
  }
});

Deno.test("pairing: an idle socket is dropped at the hello deadline and costs no attempt", async () => {
  await using inviter = await tempHome();
  await using joiner = await tempHome();
  await inviter.run(["init", "--name", "hearth"]);
  const inv = await startInviter(inviter, { ttl: "1m" });
  const idle = Array.from({ length: MAX_PER_SOURCE }, () => idleSocket(inv.port, "127.0.0.3"));
  try {
    const t0 = performance.now();
    await Promise.all(idle.map((s) => s.connected));
    await Promise.all(idle.map((s) => s.closed));
    for (const s of idle) {
      const ms = s.closedAt! - t0;
      assert.ok(ms > HELLO_MS - 1000, `dropped early, after ${ms.toFixed(0)} ms`);
      assert.ok(ms < HELLO_MS + SLACK_MS, `dropped late, after ${ms.toFixed(0)} ms`);
    }
    // The code still has all its attempts, and pairs.
    const args = ["pair", inv.code, "--name", "ember"];
    const j = await joiner.run(args, { timeoutMs: 60_000 });
    assert.equal(j.code, 0, describe(args, j));
    const i = await inv.proc.result();
    assert.equal(i.code, 0, i.stderr);
    assert.doesNotMatch(i.stderr, /wrong code|attempts? left/);
  } finally {
    for (const s of idle) s.destroy();
    await inv.proc.stop();
  }
});

Deno.test("pairing: idle sockets from many addresses holding every slot do not keep a joiner out", async () => {
  await using inviter = await tempHome();
  await using joiner = await tempHome();
  await inviter.run(["init", "--name", "hearth"]);
  const inv = await startInviter(inviter, { ttl: "1m" });
  // MAX_PER_SOURCE from each of 8 addresses: every one of the listener's slots.
  const idle = Array.from(
    { length: MAX_CONCURRENT },
    (_, i) => idleSocket(inv.port, `127.0.0.${3 + Math.floor(i / MAX_PER_SOURCE)}`),
  );
  try {
    await Promise.all(idle.map((s) => s.connected));
    const args = ["pair", inv.code, "--name", "ember"];
    const j = await joiner.run(args, { timeoutMs: 60_000 });
    assert.equal(j.code, 0, describe(args, j));
    const i = await inv.proc.result();
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /paired with ember/);
    // The silent socket that gave its slot up was the oldest.
    await idle[0].closed;
  } finally {
    for (const s of idle) s.destroy();
    await inv.proc.stop();
  }
});
