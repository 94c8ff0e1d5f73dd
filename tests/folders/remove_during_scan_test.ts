/**
 * @module remove_during_scan_test
 * A folder removed (`folder remove`) while a `folder scan` of every folder
 * is under way gets nothing of that scan recorded after the leave
 * (src/sync/folder_scan_publish.ts): `folder remove` waits for a sync
 * round, not for a scan, and a scan reads every folder before it records
 * any, then asks about a mass deletion on a terminal — minutes, if the
 * user takes them. Before, the scan published the removed folder's new
 * file after the `folder.leave` and wrote its index rows. Real processes
 * on a real terminal (tmux, tests/cli/_tmux.ts), one device; skipped, with
 * the reason printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { Terminal, tmuxSkip } from "../cli/_tmux.ts";
import { childEnv, MAIN_TS, tempHome } from "../helpers/mycel.ts";
import { put } from "./_helpers.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`remove-during-scan test skipped: ${SKIP}`);

interface Entry {
  seq: number;
  ops: { type: string; folder?: string; path?: string }[];
}

Deno.test({
  name:
    "a folder removed while a scan asks about another folder's mass deletion gets nothing published after it was left",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-remove-scan-");
    await h.ok(["init", "--name", "laptop"]);
    const docs = h.path("docs"), more = h.path("more");
    await Deno.mkdir(docs);
    await Deno.mkdir(more);
    for (const n of ["a", "b", "c"]) await put(docs, `${n}.txt`, `content of ${n}\n`);
    await put(more, "old.txt", "old\n");
    await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
    await h.ok(["--no-sync", "folder", "add", more, "--id", "more"]);
    await Deno.remove(join(docs, "a.txt"));
    await Deno.remove(join(docs, "b.txt"));
    await put(more, "new.txt", "new\n");

    await using t = await Terminal.start(
      [Deno.execPath(), ...denoRunArgs(MAIN_TS), "--no-sync", "folder", "scan"],
      childEnv({ home: h.home }),
    );
    await t.waitFor(
      /docs: 2 of 3 files are gone here\. Delete them on every device\? \[y\/N\]/,
      60_000,
    );
    await h.ok(["--no-sync", "folder", "remove", "more"]);
    await t.type("y");
    await t.press("Enter");
    const screen = await t.waitFor(/EXIT=\d+/, 60_000);
    assert.match(screen, /EXIT=0/, screen);
    assert.match(screen, /docs: 1 file; published 2 changes/, screen);

    const args = ["--no-sync", "log", "--json"];
    const log = (await h.json<Entry[]>(args)).sort((x, y) => x.seq - y.seq);
    const ops = log.flatMap((e) => e.ops);
    const left = ops.findIndex((o) => o.type === "folder.leave" && o.folder === "more");
    assert.ok(left >= 0, JSON.stringify(ops));
    assert.deepEqual(
      ops.slice(left + 1).filter((o) => o.folder === "more").map((o) => o.path),
      [],
      "nothing of more published after it was left",
    );
    // Joined again where it was left: new.txt is new to it, published then.
    await h.ok(["--no-sync", "folder", "join", "more", more]);
    const again = (await h.json<Entry[]>(args)).flatMap((e) => e.ops);
    assert.ok(again.some((o) => o.folder === "more" && o.path === "new.txt"));
  },
});
