/**
 * A synced empty folder removed here while a round runs (docs/folders.md
 * "Empty folders"): the round leaves it removed and the next scan publishes
 * the removal, as for a file deleted during a round. Before, every round
 * made every folder whose version it held again, so the folder came back at
 * the end of the round and the user's removal was lost. Real processes on
 * 127.0.0.1; the round is caught while it writes a fetched file (after its
 * scan, before its folders).
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
} from "./_helpers.ts";
import { seed } from "./_empty_dirs.ts";

Deno.test("a synced empty folder removed here during a round stays removed and its removal reaches the other device", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await Deno.mkdir(join(ra, "box"));
  await syncOk(a);
  await syncOk(b);
  assert.ok(await exists(join(rb, "box")), "the folder did not arrive");
  const name = (i: number) => `f${String(i).padStart(3, "0")}.bin`;
  for (let i = 0; i < 40; i++) await put(ra, name(i), pseudoRandomBytes(256 << 10, i + 1));
  await a.ok(["--no-sync", "folder", "scan"]);

  const round = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 60_000 });
  let caught = false;
  try {
    caught = await throttleUntil(round.pid, () => exists(join(rb, name(2))));
    if (caught) {
      Deno.kill(round.pid, "SIGSTOP");
      await Deno.remove(join(rb, "box")); // the user's rmdir, after the round's scan
    }
  } finally {
    signalIfRunning(round.pid, "SIGCONT");
  }
  const r = await round.result();
  const shown = describe(["sync", "now"], r);
  assert.ok(caught, `the round was caught writing the folder: ${shown}`);
  assert.equal(r.code, 0, shown);
  assert.equal(await exists(join(rb, "box")), false, "the round made the removed folder again");
  await syncOk(b);
  await syncOk(a);
  assert.equal(await exists(join(ra, "box")), false, "the removal did not reach a");
  assert.equal(await exists(join(rb, "box")), false);
});

Deno.test("a synced folder whose last file is removed elsewhere stays, empty, on the other device", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await Deno.mkdir(join(ra, "box"));
  await syncOk(a);
  await put(ra, "box/x.txt", "x\n");
  await syncOk(a);
  await syncOk(b);
  assert.ok(await exists(join(rb, "box/x.txt")));
  await Deno.remove(join(ra, "box/x.txt"));
  await syncOk(a);
  await syncOk(b);
  assert.equal(await exists(join(rb, "box/x.txt")), false);
  assert.ok(await exists(join(rb, "box")), "the synced folder went with its last file");
  await syncOk(b);
  await syncOk(a);
  assert.ok(await exists(join(ra, "box")), "the synced folder went on a");
});
