/**
 * The progress line of `sync now` on real processes: on a terminal (tmux,
 * tests/cli/_tmux.ts) a fetch of a sizeable file shows one transient line —
 * the folder, files done of all, bytes done of all, the rate and the seconds
 * left — which is gone once the round ends (the summary stays); with
 * standard error piped no progress line is written at all (no carriage
 * return, no erase sequence, no "s left"). The fetching process is held to a
 * quarter of the CPU with SIGSTOP/SIGCONT by PID while the screen is read,
 * so the line is on it whatever the speed of the machine. Skipped, with the
 * reason printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { join } from "node:path";
import { childEnv, describe, MAIN_TS } from "../helpers/mycel.ts";
import { sleep } from "../helpers/process.ts";
import { Terminal, tmuxSkip } from "../cli/_tmux.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, put, sharedFolder, signalIfRunning, syncNow, syncOk } from "./_helpers.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`progress line tests skipped: ${SKIP}`);

const MiB = 1 << 20;
const SIZE = /[\d.]+ (B|KiB|MiB|GiB)/.source;
/**
 * "folder docs: 0/1 files, 3.2 MiB/48 MiB, 1.5 MiB/s, 30 s left" (src/sync/folder_round.ts): the
 * same "folder docs: " as the round's line at the end (before, "docs: 0/1 files").
 */
const PROGRESS = new RegExp(
  `^folder docs: [01]/1 files, ${SIZE}/48 MiB, ${SIZE}/s, \\d+ s left$`,
  "m",
);

/** Read `t`'s screen while its command is stopped, until it shows `re` (or the command ended). */
async function screenShowing(t: Terminal, pid: number, re: RegExp): Promise<string | undefined> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      Deno.kill(pid, "SIGSTOP");
    } catch {
      return undefined; // it ended
    }
    let screen: string;
    try {
      // Held stopped a while each turn, so it runs a quarter of the time at
      // most: on a quiet machine the 48 MiB came in before the rate and
      // time left were shown (once in a full run, the screen read being fast).
      await sleep(30);
      screen = await t.screen();
    } finally {
      // It may have ended meanwhile (seen once in a full run): the screen tells how.
      signalIfRunning(pid, "SIGCONT");
    }
    if (re.test(screen)) return screen;
    if (/EXIT=\d+/.test(screen)) return undefined;
    await sleep(10);
  }
  return undefined;
}

Deno.test({
  name:
    "sync now shows a progress line (files, bytes, rate, time left) on a terminal, none when piped",
  ignore: SKIP !== undefined,
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    await syncOk(b);
    const first = pseudoRandomBytes(48 * MiB, 21);
    await put(ra, "first.bin", first);
    await syncOk(a);

    {
      await using t = await Terminal.start(
        [Deno.execPath(), ...denoRunArgs(MAIN_TS), "sync", "now", "--timeout", "10"],
        childEnv({ home: b.home }),
      );
      const pid = await t.commandPid();
      const during = await screenShowing(t, pid, PROGRESS);
      assert.ok(during !== undefined, `a progress line was shown:\n${await t.screen()}`);
      const end = await t.waitFor(/EXIT=\d+/, 120_000);
      assert.match(end, /EXIT=0/, end);
      assert.match(end, /folder docs: 1 change applied, 48 MiB fetched/, end);
      assert.doesNotMatch(end, /s left/, `the progress line is gone at the end:\n${end}`);
    }
    assert.equal((await Deno.stat(join(rb, "first.bin"))).size, first.length);

    // Piped: the same kind of fetch writes no progress at all.
    await put(ra, "second.bin", pseudoRandomBytes(48 * MiB, 22));
    await syncOk(a);
    const r = await syncNow(b);
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.match(r.stdout, /folder docs: 1 change applied, 48 MiB fetched/);
    for (const out of [r.stdout, r.stderr]) {
      assert.doesNotMatch(out, /s left|files, .*\/s|scanning/, describe(["sync", "now"], r));
      assert.ok(!out.includes("\r") && !out.includes("\x1b"), describe(["sync", "now"], r));
    }
    assert.equal((await Deno.stat(join(rb, "second.bin"))).size, 48 * MiB);
  },
});
