/**
 * @module scan_progress_test
 * A scan that reads a lot (the first `folder add` of a large folder, or
 * `sync now` after big edits) says how far it is on a terminal: "scanning
 * docs… 1 file, 96 MiB read", replaced as it goes and gone at the end.
 * Before, the line said only "scanning docs…" for as long as the scan took
 * (minutes for a large photo library), which read as a hang. Real process
 * on tmux (tests/cli/_tmux.ts), held to part of the CPU with SIGSTOP and
 * SIGCONT by PID while its screen is read; skipped, with the reason
 * printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { childEnv, MAIN_TS, tempHome } from "../helpers/mycel.ts";
import { sleep } from "../helpers/process.ts";
import { Terminal, tmuxSkip } from "../cli/_tmux.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { signalIfRunning } from "./_helpers.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`scan progress tests skipped: ${SKIP}`);

const MiB = 1 << 20;
/**
 * Some of the files read, not all of them and not nothing. Six files of 32
 * MiB: with four, a loaded run (1 in 3 beside the full suite) read them all
 * between two looks at the screen and no line was ever seen.
 */
const FILES = 6;
const MIDWAY = /^scanning docs… [1-5] files?, [\d.]+ MiB read$/m;

Deno.test({
  name: "a scan says on a terminal how many files and bytes it has read so far",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome();
    await h.ok(["init", "--name", "laptop"]);
    const docs = h.path("docs");
    await Deno.mkdir(docs);
    for (let i = 0; i < FILES; i++) {
      await Deno.writeFile(join(docs, `part${i}.bin`), pseudoRandomBytes(32 * MiB, 40 + i));
    }
    await using t = await Terminal.start(
      [
        Deno.execPath(),
        ...denoRunArgs(MAIN_TS),
        "--no-sync",
        "folder",
        "add",
        docs,
        "--id",
        "docs",
      ],
      childEnv({ home: h.home }),
    );
    const pid = await t.commandPid();
    let seen: string | undefined;
    const deadline = Date.now() + 90_000;
    while (seen === undefined && Date.now() < deadline) {
      try {
        Deno.kill(pid, "SIGSTOP");
      } catch {
        break; // it ended
      }
      let screen: string;
      try {
        await sleep(30);
        screen = await t.screen();
      } finally {
        signalIfRunning(pid, "SIGCONT");
      }
      if (/EXIT=\d+/.test(screen)) break;
      const line = screen.split("\n").find((l) => /^scanning docs… \d+ files?, /.test(l));
      if (line !== undefined && MIDWAY.test(line) && !/ 0 B read/.test(line)) seen = line;
      await sleep(10);
    }
    const end = await t.waitFor(/EXIT=\d+/, 120_000);
    assert.ok(seen !== undefined, `a line with files and bytes read was shown:\n${end}`);
    assert.match(end, /EXIT=0/, end);
    assert.match(end, new RegExp(`docs: ${FILES} files; published ${FILES} changes`), end);
    assert.doesNotMatch(end, /read$/m, `the progress line is gone at the end:\n${end}`);
  },
});
