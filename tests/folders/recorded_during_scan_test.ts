/**
 * @module recorded_during_scan_test
 * A folder left, or recorded by another scan, while a `folder scan` of
 * every folder is under way gets nothing of that scan recorded
 * (src/sync/folder_scan_as_read.ts): `folder remove` and `folder scan` wait
 * for a sync round, not for a scan, and a scan reads every folder before it
 * records any, then asks about a mass deletion on a terminal — minutes, if
 * the user takes them. Before, the scan published the removed folder's new
 * file after the `folder.leave`; and a file another scan had published
 * meanwhile (edited since the first read it) got a second version with the
 * same counter: the device in conflict with itself, "behind" a content no
 * disk holds. Real processes on a real terminal (tmux, tests/cli/_tmux.ts),
 * one device; skipped, with the reason printed, when tmux is not installed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { Terminal, tmuxSkip } from "../cli/_tmux.ts";
import { childEnv, MAIN_TS, type TempHome, tempHome } from "../helpers/mycel.ts";
import { put } from "./_helpers.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`remove-during-scan test skipped: ${SKIP}`);

interface Entry {
  seq: number;
  ops: { type: string; folder?: string; path?: string }[];
}

/** A home with docs (a, b, c; a and b deleted since) and more (old.txt; new.txt since). */
async function twoFolders(h: TempHome): Promise<{ docs: string; more: string }> {
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
  return { docs, more };
}

/** `folder scan` on a terminal: `meanwhile` runs while docs' question waits, then `answer`. */
async function scanAsked(h: TempHome, meanwhile: () => Promise<void>, answer: string) {
  await using t = await Terminal.start(
    [Deno.execPath(), ...denoRunArgs(MAIN_TS), "--no-sync", "folder", "scan"],
    childEnv({ home: h.home }),
  );
  await t.waitFor(
    /docs: 2 of 3 files are gone here\. Delete them on every device\? \[y\/N\]/,
    60_000,
  );
  await meanwhile();
  await t.type(answer);
  await t.press("Enter");
  const screen = await t.waitFor(/EXIT=\d+/, 60_000);
  assert.match(screen, /EXIT=0/, screen);
  return screen;
}

/** The ops of `h`'s log, oldest first. */
async function ops(h: TempHome): Promise<Entry["ops"]> {
  const log = await h.json<Entry[]>(["--no-sync", "log", "--json"]);
  return log.sort((x, y) => x.seq - y.seq).flatMap((e) => e.ops);
}

Deno.test({
  name:
    "a folder removed while a scan asks about another folder's mass deletion gets nothing published after it was left",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-remove-scan-");
    const { more } = await twoFolders(h);
    const screen = await scanAsked(h, async () => {
      await h.ok(["--no-sync", "folder", "remove", "more"]);
    }, "y");
    assert.match(screen, /docs: 1 file; published 2 changes/, screen);

    const all = await ops(h);
    const left = all.findIndex((o) => o.type === "folder.leave" && o.folder === "more");
    assert.ok(left >= 0, JSON.stringify(all));
    assert.deepEqual(
      all.slice(left + 1).filter((o) => o.folder === "more").map((o) => o.path),
      [],
      "nothing of more published after it was left",
    );
    // Joined again where it was left: new.txt is new to it, published then.
    await h.ok(["--no-sync", "folder", "join", "more", more]);
    assert.ok((await ops(h)).some((o) => o.folder === "more" && o.path === "new.txt"));
  },
});

Deno.test({
  name:
    "a file another scan published while a scan asked about a mass deletion is not published again from the first read",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-rescan-");
    const { more } = await twoFolders(h);
    await scanAsked(h, async () => {
      await put(more, "new.txt", "edited since the first scan read it\n");
      await h.ok(["--no-sync", "folder", "scan", "more"]);
    }, "n");
    const versions = (await ops(h)).filter((o) => o.folder === "more" && o.path === "new.txt");
    assert.equal(versions.length, 1, JSON.stringify(versions));
    const conflicts = await h.ok(["--no-sync", "folder", "conflicts", "more"]);
    assert.match(conflicts.stdout + conflicts.stderr, /No conflicts/);
    const status = await h.ok(["--no-sync", "folder", "status", "more"]);
    assert.match(status.stdout, /this device\): in sync/, status.stdout);
    // The next scan records what the first one left: nothing new, nothing held in more.
    const again = await h.ok(["--no-sync", "folder", "scan"]);
    assert.match(again.stdout, /more: 2 files; published 0 changes/, again.stdout);
  },
});
