/**
 * @module cut_stdio_test
 * The cut rule (src/sync/cut_budget.ts) across the `sync serve --stdio`
 * processes of one home, under real socket activation: each connection is
 * a process of its own, and they share the rule's state
 * (src/sync/cut_budget_shared.ts). Before, each process had a gate of its
 * own: a member asking for our state again from a new connection was cut
 * for again at once, every time.
 *
 * Real processes on 127.0.0.1: beta behind a compaction of alpha's state
 * (_parts_behind.ts), so each of its rounds needs alpha's state in parts
 * (cut at 128 KiB, MYCEL_TEST_CHECKPOINT_BYTES). To ask again, beta is put
 * back from its backup (a looping member does the same with a fresh
 * restore). A crashed holder is a serve process killed (SIGKILL, by PID)
 * while it cuts, seen through its spool (_spool.ts); the bound its cut
 * leaves is read from the shared state and checked against the rule.
 */

import assert from "node:assert/strict";
import type { SyncLineJson } from "../helpers/mycel.ts";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import { CUT_COOL_DOWN_MS, DUTY_FACTOR, WHOLE_COOL_DOWN_MS } from "../../src/sync/cut_budget.ts";
import type { CutState } from "../../src/sync/cut_transitions.ts";
import { bootClock, STATE_FILE } from "../../src/sync/cut_budget_shared.ts";
import { type Device, device } from "../pairing/_helpers.ts";
import { behindCompaction, copyTree } from "./_parts_behind.ts";
import {
  activatedDone,
  activatedPids,
  activateServe,
  activatorAvailable,
  registryOf,
} from "./_socket_activate.ts";
import { spoolSize, until } from "./_spool.ts";
import type { Proc } from "../helpers/process.ts";

const PART_BYTES = 128 << 10;

/** Beta's round with alpha: its outcome line. */
async function roundOfBeta(b: Device): Promise<{ line?: SyncLineJson; text: string }> {
  const r = await b.t.run(["sync", "now", "--json", "--timeout", "15"]);
  const lines = JSON.parse(r.stdout) as SyncLineJson[];
  return { line: lines.find((o) => o.name === "alpha"), text: `${r.stdout}\n${r.stderr}` };
}

/** Beta put back from its backup: behind alpha's compaction again, needing a cut. */
async function restoreBeta(b: Device): Promise<void> {
  await Deno.remove(b.t.home, { recursive: true });
  await copyTree(b.t.path("backup"), b.t.home);
}

/** The cut rule's state the activated processes share. */
function sharedState(activator: Proc): CutState {
  return JSON.parse(Deno.readTextFileSync(`${registryOf(activator)}/${STATE_FILE}`));
}

/** Alpha's state in beta's reach only through a cut; alpha served under socket activation. */
async function setUp(a: Device, b: Device, env: Record<string, string> = {}) {
  await behindCompaction(a, b, 30, 4000);
  return await activateServe({ home: a.t.home, endpoint: a.endpoint }, a.endpoint, {
    [PART_KNOB]: String(PART_BYTES),
    ...env,
  });
}

Deno.test({
  name:
    "sync serve --stdio: a member asking for our state again at once, from a new connection (a new process), is refused busy",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using a = await device("alpha");
    await using b = await device("beta");
    const activator = await setUp(a, b);
    try {
      const first = await roundOfBeta(b);
      assert.equal(first.line?.status, "synced", `${first.text}\n${activator.stderr}`);
      assert.equal(first.line?.checkpoint.received, true, first.text);
      await activatedDone(activator);

      // Behind again, at once: the next connection is another process.
      await restoreBeta(b);
      const again = await roundOfBeta(b);
      assert.equal(again.line?.code, "peer_busy", `${again.text}\n${activator.stderr}`);
      assert.match(activator.stderr, /for this device moments ago/);
      const s = sharedState(activator);
      const [coolUntil, ...more] = Object.values(s.coolUntil);
      assert.equal(more.length, 0, JSON.stringify(s));
      assert.ok(coolUntil - s.served[Object.keys(s.coolUntil)[0]] >= WHOLE_COOL_DOWN_MS);
    } finally {
      await activatedDone(activator).catch(() => {});
      await activator.stop("SIGTERM");
    }
  },
});

Deno.test({
  name:
    "sync serve --stdio: a serve killed while it cuts holds the gate no longer than an abandoned cut does: its member is refused busy at once by the next process, and served after the cool-down",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using a = await device("alpha");
    await using b = await device("beta");
    // About 10 parts, a second each: about 10 s for the whole cut.
    const activator = await setUp(a, b, { MYCEL_TEST_CUT_PAUSE_MS: "1000" });
    try {
      const askedAt = bootClock(); // the cut starts after this
      const asking = b.t.spawn(["sync", "now", "--json", "--timeout", "15"]);
      const holder = await until("a serve to begin cutting", async () => {
        for (const pid of await activatedPids(activator)) {
          if ((await spoolSize(pid).catch(() => undefined)) !== undefined) return pid;
        }
        return undefined;
      });
      Deno.kill(holder, "SIGKILL");
      const killedAt = bootClock();
      await asking.result();
      await activatedDone(activator);

      // Asking again at once: refused busy by another process, the crashed cut counted as abandoned.
      const again = await roundOfBeta(b);
      assert.equal(again.line?.code, "peer_busy", `${again.text}\n${activator.stderr}`);
      assert.match(activator.stderr, /for this device moments ago/);
      const s = sharedState(activator);
      assert.deepEqual(s.held, {}, "the dead holder's cut is no longer held");
      const cool = Object.values(s.coolUntil);
      assert.equal(cool.length, 1, JSON.stringify(s));
      // No more than the rule: 10 s from when it was last alive, and 3 × the cut's time so far.
      assert.ok(cool[0] <= killedAt + CUT_COOL_DOWN_MS, `${JSON.stringify(s)} killed ${killedAt}`);
      const rest = s.openAt ?? 0;
      assert.ok(rest <= killedAt + DUTY_FACTOR * (killedAt - askedAt), JSON.stringify(s));

      // Once both are over, its next round is cut for and catches up.
      const free = Math.max(cool[0], rest);
      await new Promise((r) => setTimeout(r, Math.max(0, free - bootClock()) + 100));
      const later = await roundOfBeta(b);
      assert.equal(later.line?.status, "synced", `${later.text}\n${activator.stderr}`);
      assert.equal(later.line?.checkpoint.received, true, later.text);
      assert.equal((await b.status()).state_digest, (await a.status()).state_digest);
    } finally {
      await activatedDone(activator).catch(() => {});
      await activator.stop("SIGTERM");
    }
  },
});
