/**
 * @module hostile_socket_test
 * Raw sockets against a real `mycel sync serve --listen … --timeout 2`:
 * random garbage, a garbage "handshake" of the right size, a huge frame
 * length, silence, and slow-loris writers trickling one byte at a time —
 * more of them at once, from one address, than the server serves for one
 * source (the rest are refused at once as busy). Each connection is dropped
 * by the server within the 2 s handshake deadline (plus a little slack for
 * a loaded machine), the home is untouched (digest, heads, log), the server
 * logs one line per connection and keeps running, and a genuine `sync now`
 * afterwards syncs. An admitted peer that drips valid messages is cut at
 * the session deadline (set to 2 s with MYCEL_SESSION_DEADLINE: by default
 * it is max(60 × --timeout, 10 min), the read deadline being --timeout).
 */

import assert from "node:assert/strict";
import { sleep } from "../helpers/process.ts";
import { devices, snapshot } from "./_helpers.ts";
import { rogueDials } from "./_rogue.ts";

const DEADLINE_S = 2;
/** Slack over the deadline for a loaded 2-core machine. */
const SLACK_MS = 2000;

/** Read from `conn` until the server closes it; returns ms from `t0`. */
async function untilClosed(conn: Deno.Conn, t0: number): Promise<number> {
  const buf = new Uint8Array(4096);
  try {
    while ((await conn.read(buf)) !== null) {
      // discard whatever the server sends
    }
  } catch {
    // reset by the server: closed as well
  }
  return performance.now() - t0;
}

/** Write `bytes` one at a time, `gapMs` apart, until the connection fails or `stop()`. */
async function trickle(conn: Deno.Conn, bytes: Uint8Array, gapMs: number, stop: () => boolean) {
  for (let i = 0; !stop(); i = (i + 1) % bytes.length) {
    try {
      await conn.write(bytes.subarray(i, i + 1));
    } catch {
      return;
    }
    await sleep(gapMs);
  }
}

interface Attack {
  name: string;
  run(conn: Deno.Conn, stop: () => boolean): Promise<void>;
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

const ATTACKS: Attack[] = [
  { name: "garbage", run: async (c) => void await c.write(random(4096)).catch(() => 0) },
  {
    name: "garbage handshake",
    run: async (c) => {
      const msg = new Uint8Array(2 + 200);
      msg.set(random(200), 2);
      new DataView(msg.buffer).setUint16(0, 200);
      await c.write(msg).catch(() => 0);
    },
  },
  {
    name: "huge frame, trickled",
    run: (c, stop) => trickle(c, new Uint8Array([0xff, 0xff, ...random(64)]), 200, stop),
  },
  { name: "silence", run: () => Promise.resolve() },
  { name: "slow-loris", run: (c, stop) => trickle(c, random(512), 150, stop) },
];

Deno.test("garbage, silence and slow-loris sockets are dropped within the deadline, state untouched, server keeps serving", async () => {
  await using devs = await devices(["target", "friend"]);
  const [target, friend] = devs.list;
  await devs.peer(target, friend);
  await target.write("pref", "set", "theme", "dark");
  const server = await target.serve(DEADLINE_S);
  await friend.syncAll();
  const before = await snapshot(target);
  const from = server.stderr.length;

  // 5 kinds × 4 = 20 connections at once from 127.0.0.1, more than the
  // MAX_PER_SOURCE served for one address at a time.
  let stopped = false;
  const stop = () => stopped;
  const runs = [];
  for (let round = 0; round < 4; round++) {
    for (const a of ATTACKS) {
      runs.push((async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: target.port });
        const t0 = performance.now();
        const writing = a.run(conn, stop);
        const ms = await untilClosed(conn, t0);
        conn.close();
        await writing;
        return { name: a.name, ms };
      })());
    }
  }
  let results;
  try {
    results = await Promise.all(runs);
  } finally {
    stopped = true;
  }
  for (const r of results) {
    assert.ok(
      r.ms < DEADLINE_S * 1000 + SLACK_MS,
      `${r.name}: dropped after ${r.ms.toFixed(0)} ms (deadline ${DEADLINE_S} s)`,
    );
  }
  const slowest = Math.max(...results.map((r) => r.ms));
  assert.ok(slowest > 1000, `slow-loris dropped suspiciously early (${slowest.toFixed(0)} ms)`);

  // One line per connection: failed (or busy when over the concurrency cap).
  await server.waitFor(/(?:^(?:failed|busy).*\n){20}/m, {
    stream: "stderr",
    from,
    timeoutMs: 15_000,
  });
  const lines = server.stderr.slice(from).trim().split("\n");
  assert.equal(lines.length, 20, lines.join("\n"));
  for (const l of lines) assert.match(l, /^(failed 127\.0\.0\.1:\d+: |busy: refused a connection)/);
  assert.ok(
    lines.some((l) => /still incomplete after 2s|no data within 2s|took longer than 2s/.test(l)),
    lines.join("\n"),
  );
  assert.ok(!server.exited, "the server must keep running");
  assert.deepEqual(await snapshot(target), before);

  // A genuine peer still syncs, both ways.
  await friend.write("pref", "set", "after", "attack");
  await target.write("app", "add", "curl");
  const round = await friend.syncAll();
  assert.equal(round.of(target).status, "synced");
  assert.equal(round.of(target).sent, 1);
  assert.equal(round.of(target).received, 1);
  await devs.assertConverged();
  await server.waitFor(/^synced with friend/m, { stream: "stderr", from, timeoutMs: 15_000 });
});

Deno.test("an admitted peer dripping valid messages forever is cut at the session deadline", async () => {
  await using devs = await devices(["target", "dripper"]);
  const [target, dripper] = devs.list;
  await devs.peer(target, dripper);
  const server = await target.serve(DEADLINE_S, {
    env: { MYCEL_SESSION_DEADLINE: String(DEADLINE_S) },
  });
  await dripper.syncAll();
  const before = await snapshot(target);
  const from = server.stderr.length;
  const r = await rogueDials(dripper, target, "drip");
  assert.equal(r.reply, "ok");
  assert.ok(r.sent! >= 3, `only ${r.sent} drips: the deadline is per session, not per read`);
  assert.ok(r.ms! < DEADLINE_S * 1000 + SLACK_MS, `cut after ${r.ms} ms`);
  const [line] = await server.waitFor(/^.*dripper.*$/m, {
    stream: "stderr",
    from,
    timeoutMs: 15_000,
  });
  assert.match(line, /^failed dripper \([A-Z0-9]{7}\): .*took longer than 2s/);
  assert.deepEqual(await snapshot(target), before);
  await dripper.write("pref", "set", "after", "drip");
  assert.equal((await dripper.syncAll()).of(target).sent, 1);
  await devs.assertConverged();
});
