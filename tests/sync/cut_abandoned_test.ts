/**
 * @module cut_abandoned_test
 * A member that asks for our state in parts and hangs up at once costs about
 * a part of the cut, not the whole cut (storage/parts_spool.ts stops at the
 * session's signal; sync/exchange_our_end.ts sees the hang-up while we cut),
 * and cannot make us cut again at once (sync/cut_gate.ts: after an abandoned
 * cut, that member is refused `busy` for CUT_COOL_DOWN_MS; its round after
 * that catches up as before); a serve stopped (SIGTERM) while it cuts stops
 * the cut too. Before, the serve cut every part and only then found the
 * peer gone, the member could ask again at once, and a serve told to stop
 * finished the cut and sent it first.
 *
 * Real processes on 127.0.0.1: beta behind a compaction of alpha's state
 * (_parts_behind.ts); alpha's serve cuts in parts of 128 KiB
 * (MYCEL_TEST_CHECKPOINT_BYTES) with a pause of a second after each
 * (MYCEL_TEST_CUT_PAUSE_MS); beta's round is killed (SIGKILL, by PID) as
 * soon as the cut began. The cut is seen through the serve's spool (_spool.ts).
 */

import assert from "node:assert/strict";
import type { SyncLineJson } from "../helpers/mycel.ts";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import { CUT_COOL_DOWN_MS } from "../../src/sync/cut_gate.ts";
import { type Device, device } from "../pairing/_helpers.ts";
import { behindCompaction } from "./_parts_behind.ts";
import { spoolSize, until } from "./_spool.ts";

const PART_BYTES = 128 << 10;

function alpha(stdout: string): SyncLineJson | undefined {
  return (JSON.parse(stdout) as SyncLineJson[]).find((o) => o.name === "alpha");
}

/** Beta behind a compaction of alpha's state; alpha's serve cutting it for beta's round, begun. */
async function cutBegun(a: Device, b: Device) {
  await behindCompaction(a, b, 30, 4000);
  // About 10 parts, a second each: about 10 s for the whole cut.
  a.t.defaults.env = {
    ...a.t.defaults.env,
    [PART_KNOB]: String(PART_BYTES),
    MYCEL_TEST_CUT_PAUSE_MS: "1000",
  };
  const server = await a.serve();
  const asking = b.t.spawn(["sync", "now", "--json", "--timeout", "15"]);
  const spooled = await until("the serve to begin cutting", () => spoolSize(server.pid));
  return { server, asking, spooled };
}

/** The most `pid` spooled until it gave the spool up (closed it: its space freed). */
async function mostSpooledUntilFreed(pid: number, from: number): Promise<number> {
  let most = from;
  await until("the serve to give up the spool", async () => {
    const s = await spoolSize(pid).catch(() => undefined);
    if (s === undefined) return true;
    most = Math.max(most, s);
    return undefined;
  });
  return most;
}

Deno.test("a member that asks for our state in parts and hangs up stops the cut within a part, is refused busy if it asks again at once, and catches up after the cool-down", async () => {
  if (Deno.build.os !== "linux") {
    console.log("skipped: the cut is seen through /proc/PID/fd (Linux only)");
    return;
  }
  await using a = await device("alpha");
  await using b = await device("beta");
  const { server, asking, spooled: atKill } = await cutBegun(a, b);
  asking.kill("SIGKILL");
  await asking.stop();

  // The spool goes away (closed, so its space is freed) with at most the part under way added.
  const most = await mostSpooledUntilFreed(server.pid, atKill);
  await server.waitFor(/failed beta/, { stream: "stderr", timeoutMs: 30_000 });
  assert.ok(
    most <= atKill + 2 * PART_BYTES,
    `the cut stopped: ${atKill} bytes spooled at the hang-up, ${most} at most after\n${server.stderr}`,
  );

  // Asking again at once: refused busy, nothing cut.
  const again = await b.t.run(["sync", "now", "--json", "--timeout", "15"]);
  const refused = alpha(again.stdout);
  assert.equal(refused?.code, "peer_busy", `${again.stdout}\n${again.stderr}\n${server.stderr}`);

  // After the cool-down, its next round catches up from our state.
  await new Promise((r) => setTimeout(r, CUT_COOL_DOWN_MS));
  const later = await b.t.run(["sync", "now", "--json", "--timeout", "15"]);
  assert.equal(later.code, 0, `${later.stdout}\n${later.stderr}\n${server.stderr}`);
  assert.equal(alpha(later.stdout)?.checkpoint.received, true, later.stdout);
  assert.equal((await b.status()).state_digest, (await a.status()).state_digest);
});

Deno.test("a sync serve stopped with SIGTERM while it cuts its state for a peer stops the cut and ends that session, not sending the rest", async () => {
  if (Deno.build.os !== "linux") {
    console.log("skipped: the cut is seen through /proc/PID/fd (Linux only)");
    return;
  }
  await using a = await device("alpha");
  await using b = await device("beta");
  const { server, asking, spooled: atTerm } = await cutBegun(a, b);
  server.kill("SIGTERM");
  const most = await mostSpooledUntilFreed(server.pid, atTerm);
  const stopped = await server.result();
  const round = await asking.result();
  assert.ok(
    most <= atTerm + 2 * PART_BYTES,
    `the cut stopped: ${atTerm} bytes spooled at SIGTERM, ${most} at most after\n${stopped.stderr}`,
  );
  assert.match(stopped.stderr, /failed beta/, stopped.stderr);
  assert.doesNotMatch(stopped.stderr, /synced with beta/, stopped.stderr);
  assert.notEqual(alpha(round.stdout)?.status, "synced", round.stdout);
});
