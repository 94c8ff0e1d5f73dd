/**
 * @module round_end_temps_test
 * However a folder's round ends, the temporary files it made that hold no
 * chunk are deleted: files opened ahead of their chunks
 * (folder_apply_temps.ts `prepare`), and new files of resumed transfers
 * whose temporary file had gone. Before, they were given back only at the
 * end of a round that ran to completion, by reopening them — which checks
 * the folder's marker: a folder that stopped mid-round (its marker gone)
 * or a round that ended in an error left them in the folder, empty, until
 * the hourly sweep. A temporary file holding chunks stays, resumable.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { applyFolder } from "../../src/sync/folder_apply.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import {
  devices,
  exists,
  put,
  rounds,
  sharedFolder,
  signalIfRunning,
  tempFiles,
  throttleUntil,
} from "./_helpers.ts";

Deno.test("a folder that stops mid-round leaves no empty temporary file of the files opened ahead", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "keep.txt", "x\n"),
  });
  await rounds([b, a, b], 1);
  // Every fifth file a can send; the four after it it can't (changed since
  // its scan). Each chunk that arrives opens the next four files ahead, and
  // the four never get theirs: once 16 are open, more opened close the
  // oldest, so most of them are closed when the folder stops.
  const name = (i: number) => `p${String(i).padStart(4, "0")}.txt`;
  const n = 1000;
  for (let i = 0; i < n; i++) await put(ra, name(i), `published ${i}\n`);
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]);
  for (let i = 0; i < n; i++) if (i % 5 !== 0) await put(ra, name(i), `changed again ${i}\n`);

  // b's round, held to a part of the CPU until the 21st file it can fetch
  // is in place (files opened ahead have been closed for room by then);
  // then its marker goes, as when a disk is pulled out mid-round.
  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 120_000 });
  const caught = await throttleUntil(p.pid, () => exists(join(rb, name(100))));
  signalIfRunning(p.pid, "SIGSTOP");
  const then = tempFiles(rb);
  await Deno.remove(join(rb, MARKER_NAME));
  signalIfRunning(p.pid, "SIGCONT");
  const r = await p.result();
  assert.ok(caught, "the round was caught under way");
  assert.ok(then.length > 0, "temporary files were open when it stopped");
  // The folder stopped while the round ran (said once: stopped_mid_round_test.ts).
  assert.match(r.stdout + r.stderr, /it stopped during this round/);
  // Left: only files complete when it stopped, recorded for the round after
  // it is back (stopped_mid_round_test.ts); none empty.
  using home = await Home.open(b.home);
  const recorded = new Set(home.folderLocal.transfers("docs").map((t) => t.temp));
  assert.deepEqual(tempFiles(rb).filter((t) => !recorded.has(t)), [], "no temporary file left");
});

Deno.test("a round that ends in an error deletes the new temporary file of a resumed transfer, and keeps one holding chunks", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await rounds([b, a, b], 1);
  // Over 1 MiB (the largest chunk): two chunks at least, so each round
  // below, fetching one chunk, leaves the file's transfer recorded.
  const data = (seed: number) => pseudoRandomBytes((1 << 20) + (64 << 10), seed);
  const budget = { env: { MYCEL_FILE_BUDGET: "1" } };
  await put(ra, "b.bin", data(1));
  await a.ok(["sync", "now"]);
  await b.run(["sync", "now", "--timeout", "10"], budget); // b.bin's first chunk
  await put(ra, "a.bin", data(2));
  await a.ok(["sync", "now"]);
  await b.run(["sync", "now", "--timeout", "10"], budget); // a.bin's first chunk, b.bin kept
  await devs.stopServers();

  using home = await Home.open(b.home, { write: true });
  const rows = () => new Map(home.folderLocal.transfers("docs").map((t) => [t.path, t.temp]));
  const before = rows();
  assert.deepEqual([...before.keys()].sort(), ["a.bin", "b.bin"], "both transfers recorded");
  const kept = await Deno.readFile(join(rb, before.get("a.bin")!));
  // b.bin's temporary file goes (deleted from outside): its round starts it
  // over in a new one, which gets nothing before the round fails.
  await Deno.remove(join(rb, before.get("b.bin")!));
  const folder = home.folderLocal.folder("docs")!;
  await assert.rejects(
    applyFolder(home, folder, {
      peers: () => Promise.reject(new Error("no peer session (test)")),
      readTimeoutMs: 10_000,
    }),
    /no peer session \(test\)/,
  );
  assert.deepEqual(tempFiles(rb), [before.get("a.bin")], "only the one holding chunks is left");
  assert.deepEqual(await Deno.readFile(join(rb, before.get("a.bin")!)), kept, "untouched");
  assert.equal(rows().get("a.bin"), before.get("a.bin"), "still recorded: it resumes");
});
