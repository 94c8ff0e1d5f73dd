/**
 * @module silent_member_test
 * How long a member that stops talking mid-session holds a `sync serve`
 * session (src/sync/patient_receive.ts). A read's deadline counts from the
 * last sign of life — a whole message from the peer, or one of ours the
 * connection took — and grows by 1 s per 512 KiB we sent the peer this
 * session (what it may still be reading before its `ack`), at most 128 s.
 * Real processes: `sync serve --timeout 2` with a session deadline of 60 s,
 * and the hostile member of tests/sync/fixtures/rogue_peer.ts in `trickle`
 * mode: after its `hi` and heads it reads all the server sends, then sends
 * a frame's header and one byte of it every 300 ms, never a whole message.
 * Either is cut when the read deadline plus the grace passes (the byte a
 * member trickles resets nothing), far inside the session deadline.
 */

import assert from "node:assert/strict";
import { homePaths } from "../../src/storage/home.ts";
import { unreadGraceMs } from "../../src/sync/session_bounds.ts";
import { writeLockHeld } from "../helpers/db_lock.ts";
import { appendBulk, devices, snapshot } from "./_helpers.ts";
import { rogueDials } from "./_rogue.ts";

const READ_S = 2;
const SESSION_S = 60;
/** Process start, handshake and the server's own line, on a loaded machine. */
const SLACK_MS = 3000;

Deno.test("a member that trickles a frame a byte at a time after its heads is cut at the read deadline: bytes of a message never ending are no sign of life", async () => {
  await using devs = await devices(["target", "rogue"]);
  const [target, rogue] = devs.list;
  await devs.peer(target, rogue);
  const server = await target.serve(READ_S, {
    env: { MYCEL_SESSION_DEADLINE: String(SESSION_S) },
  });
  await rogue.syncAll(); // nothing to send either way: no grace
  const before = await snapshot(target);
  const from = server.stderr.length;
  const dialled = rogueDials(rogue, target, "trickle");
  // Meanwhile the server holds no write transaction (other processes of the home write):
  // probed until its line, which comes after the one short write of the session's bookkeeping.
  const probes: boolean[] = [];
  const db = homePaths(target.home).db;
  while (server.stderr.length === from) {
    probes.push(writeLockHeld(db));
    await new Promise((r) => setTimeout(r, 50));
  }
  const r = await dialled;
  assert.equal(r.reply, "ok", JSON.stringify(r));
  assert.ok(probes.length >= 20, `${probes.length} probes`);
  assert.ok(probes.filter(Boolean).length <= 1, `the home was held at ${probes}`);
  assert.ok(r.ms! < READ_S * 1000 + SLACK_MS, `held ${r.ms} ms (${r.sent} bytes trickled)`);
  assert.ok(r.sent! >= 3, `only ${r.sent} bytes trickled before the cut`);
  const [line] = await server.waitFor(/^.*rogue.*$/m, {
    stream: "stderr",
    from,
    timeoutMs: 15_000,
  });
  assert.match(line, /^failed rogue \([A-Z0-9]{7}\): .*no data within 2s/);
  assert.deepEqual(await snapshot(target), before);
  assert.ok(!server.exited, "the server serves on");
});

Deno.test("a member that took 4 MB it lacked and then trickles is cut at the read deadline plus 1 s per 512 KiB sent, far inside the session deadline", async () => {
  await using devs = await devices(["target", "rogue"]);
  const [target, rogue] = devs.list;
  await devs.peer(target, rogue);
  const server = await target.serve(READ_S, {
    env: { MYCEL_SESSION_DEADLINE: String(SESSION_S) },
  });
  await rogue.syncAll();
  // About 4 MB of entries the rogue lacks: the server sends them all.
  await appendBulk(target.home, 12_000, { keys: 12_000, valueBytes: 200, prefix: "backlog" });
  const from = server.stderr.length;
  const r = await rogueDials(rogue, target, "trickle");
  assert.equal(r.reply, "ok", JSON.stringify(r));
  const [line] = await server.waitFor(/^.*rogue.*$/m, {
    stream: "stderr",
    from,
    timeoutMs: 90_000,
  });
  // Counted from the last of our messages it took: the grace of what the server sent, once.
  const grace = unreadGraceMs(r.wire!);
  // The refusal says the whole wait, not the read deadline alone.
  assert.match(
    line,
    /^failed rogue \([A-Z0-9]{7}\): .*no data within [\d.]+s \(2s and [\d.]+s more for what it was sent\)/,
  );
  assert.ok(r.wire! > 3e6, `only ${r.wire} bytes reached the rogue`);
  assert.ok(
    r.ms! > READ_S * 1000 + grace - 500,
    `cut after ${r.ms} ms: less than ${grace} ms of grace`,
  );
  assert.ok(r.ms! < READ_S * 1000 + grace + SLACK_MS, `held ${r.ms} ms for ${grace} ms of grace`);
  assert.ok(!server.exited, "the server serves on");
});

Deno.test("the grace for what we sent is counted once a session and stops at 128 s, however much was sent", () => {
  assert.equal(unreadGraceMs(0), 0);
  assert.equal(unreadGraceMs(512 << 10), 1000);
  assert.equal(unreadGraceMs(64 << 20), 128_000);
  assert.equal(unreadGraceMs(1 << 30), 128_000);
  assert.equal(unreadGraceMs(Number.MAX_SAFE_INTEGER), 128_000);
});
