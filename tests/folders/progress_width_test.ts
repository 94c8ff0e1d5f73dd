/**
 * @module progress_width_test
 * The progress line of `sync now` fits the terminal it is drawn on: on a
 * 40-column terminal, with a folder id of 19 characters, each redraw stays
 * on one row (cut, ending in "…"), so it is erased by the next and gone at
 * the end. Before, a line wider than the terminal wrapped, `\r` and the
 * erase sequence acted on its last row only, and every redraw left a row
 * behind: the screen filled with stale progress lines (found by an audit of
 * the folder commands, issue 13; 80 columns suffice with a large folder).
 * Real processes on a pseudo-terminal (tmux, tests/cli/_tmux.ts); skipped,
 * with the reason printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { childEnv, MAIN_TS } from "../helpers/mycel.ts";
import { Terminal, tmuxSkip } from "../cli/_tmux.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, put, sharedFolder, syncOk } from "./_helpers.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`progress width test skipped: ${SKIP}`);

Deno.test({
  name: "sync now's progress line fits a narrow terminal and leaves no row behind",
  ignore: SKIP !== undefined,
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const id = "holiday-photos-2026";
    const [ra] = await sharedFolder(devs, id);
    await syncOk(b);
    for (let i = 0; i < 60; i++) await put(ra, `p${i}.bin`, pseudoRandomBytes(64 << 10, i + 1));
    await syncOk(a);

    await using t = await Terminal.start(
      [Deno.execPath(), ...denoRunArgs(MAIN_TS), "sync", "now", "--timeout", "10"],
      childEnv({ home: b.home }),
      40,
    );
    const end = await t.waitFor(/EXIT=\d+/, 120_000);
    assert.match(end, /EXIT=0/, end);
    assert.match(end, /60 changes applied/, end);
    // Every row on screen is the round's summary or EXIT: no progress left.
    assert.doesNotMatch(end, /files, |\d+ s left|…/, `rows left behind:\n${end}`);
  },
});
