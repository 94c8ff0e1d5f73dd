/**
 * @module remove_during_round_test
 * `folder remove` while a `sync now` fetches that folder's files waits for
 * the round to end (it says so, with the round's pid to stop it by) and
 * leaves only then: the leave is recorded after the round's last word on
 * the folder, and every file the round fetched is in place. Before, it
 * said "Stopped syncing docs here" at once and the round went on writing
 * the folder's files after it (found by an audit of the folder commands,
 * issue 13: 343 of 400 files arrived after the remove). Real processes on
 * 127.0.0.1.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { describe } from "../helpers/mycel.ts";
import {
  devices,
  exists,
  put,
  sharedFolder,
  signalIfRunning,
  syncOk,
  throttleUntil,
  treeHash,
} from "./_helpers.ts";

interface LogJson {
  device: string;
  seq: number;
  ops: { type: string; folder?: string }[];
}

Deno.test("folder remove during a sync round's fetch waits for the round to end, then leaves", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs");
  await syncOk(b);
  const name = (i: number) => `f${String(i).padStart(3, "0")}.bin`;
  for (let i = 0; i < 40; i++) await put(ra, name(i), pseudoRandomBytes(256 << 10, i + 1));
  await a.ok(["--no-sync", "folder", "scan"]);

  const round = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 60_000 });
  let caught = false;
  let waited = false;
  let listed: string[] = [];
  let remove;
  try {
    // Held to a part of the CPU until the round is writing the folder, then stopped there.
    caught = await throttleUntil(round.pid, () => exists(join(rb, name(2))));
    if (caught) {
      Deno.kill(round.pid, "SIGSTOP");
      remove = b.tmp.spawn(["--no-sync", "folder", "remove", "docs"], { timeoutMs: 60_000 });
      await remove.waitFor(/Waiting for the sync round under way to end/, { stream: "stderr" });
      waited = true;
      const list = await b.tmp.json<{ folders: { id: string }[] }>(
        ["--no-sync", "folder", "list", "--json"],
      );
      listed = list.folders.map((f) => f.id);
    }
  } finally {
    signalIfRunning(round.pid, "SIGCONT");
  }
  const r = await round.result();
  assert.ok(
    remove !== undefined,
    `the round was caught writing the folder: ${describe(["sync", "now"], r)}`,
  );
  const rm = await remove.result();
  const shown = `${describe(["sync", "now"], r)}\n${describe(["folder", "remove", "docs"], rm)}`;
  assert.ok(caught, `the round was caught writing the folder: ${shown}`);
  assert.ok(waited, shown);
  assert.deepEqual(listed, ["docs"], "still synced while the round runs");
  assert.equal(r.code, 0, shown);
  assert.equal(rm.code, 0, shown);
  assert.match(rm.stderr, /kill -INT \d+/, shown);
  assert.match(rm.stdout, /^Stopped syncing docs here/, shown);

  // The leave is b's newest entry, after the round's progress record of the folder.
  const log = (await b.tmp.json<LogJson[]>(["--no-sync", "log", "--json"]))
    .filter((e) => e.device === b.id)
    .sort((x, y) => y.seq - x.seq);
  assert.deepEqual(log[0].ops.map((o) => o.type), ["folder.leave"], shown);
  assert.ok(log[1].ops.some((o) => o.type === "folder.progress"), JSON.stringify(log[1]));
  // Every file the round fetched is there, none after the leave.
  assert.equal(await treeHash(rb), await treeHash(ra));
});
