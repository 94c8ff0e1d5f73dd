/**
 * The mass-deletion question on a real terminal (tmux, tests/cli/_tmux.ts):
 * a `sync now` whose scan would delete more than half of a folder asks
 * "… are gone here. Delete them on every device? [y/N]"; answering `n`, or
 * just Enter, holds the deletions and says so, with how to send them after
 * all (the peer deletes nothing after a round, and `folder status` says they
 * are held); answering `y` lets them through
 * and the peer deletes them. (Without a terminal the deletions are held
 * until `--yes`: tests/folders/safety_test.ts.) Skipped, with the reason
 * printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { join } from "node:path";
import { childEnv, MAIN_TS } from "../helpers/mycel.ts";
import { Terminal, tmuxSkip } from "../cli/_tmux.ts";
import { type Device, devices, listTree, put, rounds, sharedFolder, syncOk } from "./_helpers.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`mass-deletion prompt tests skipped: ${SKIP}`);

const QUESTION = /docs: 4 of 6 files are gone here\. Delete them on every device\? \[y\/N\]/;

/** `sync now` of `d` on a terminal: answer the question with `answer` (then Enter); the screen. */
async function syncAnswering(d: Device, answer: string): Promise<string> {
  await using t = await Terminal.start(
    [Deno.execPath(), ...denoRunArgs(MAIN_TS), "sync", "now", "--timeout", "10"],
    childEnv({ home: d.home }),
  );
  await t.waitFor(QUESTION, 60_000);
  if (answer !== "") await t.type(answer);
  await t.press("Enter");
  return await t.waitFor(/EXIT=\d+/, 60_000);
}

Deno.test({
  name:
    "on a terminal, a mass deletion asks first: n or Enter holds the deletions, y lets them through",
  ignore: SKIP !== undefined,
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    for (let i = 0; i < 6; i++) await put(ra, `f${i}.txt`, `file ${i}\n`);
    await rounds([a, b], 1);
    assert.equal((await listTree(rb)).length, 6);
    for (let i = 0; i < 4; i++) await Deno.remove(join(ra, `f${i}.txt`));

    for (const answer of ["n", ""]) {
      const screen = await syncAnswering(a, answer);
      assert.match(screen, /EXIT=0/, screen);
      // The answer is acknowledged: what no did, and how to send them after all
      // (before, the round went on without a word of the held deletions).
      assert.match(
        screen,
        /docs: held: the 4 deletions stay here; the other devices keep the files\. If they are meant, run `mycel folder scan docs --yes`; to get the files back here instead: `mycel folder remove docs`, then `mycel folder join docs \S+`\./,
        screen,
      );
      await syncOk(b);
      assert.equal((await listTree(rb)).length, 6, `nothing deleted after "${answer}":\n${screen}`);
      const st = await a.ok(["folder", "status", "docs"]);
      assert.match(st.stdout, /4 deletions held here: confirm with `mycel folder scan docs --yes`/);
    }

    const screen = await syncAnswering(a, "y");
    assert.match(screen, /EXIT=0/, screen);
    await syncOk(b);
    assert.deepEqual(await listTree(rb), ["f4.txt", "f5.txt"]);
    const st = await a.ok(["folder", "status", "docs"]);
    assert.doesNotMatch(st.stdout, /held here/);
  },
});
