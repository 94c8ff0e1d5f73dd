/**
 * A round drops a version it kept only when a file it placed holds the same
 * bytes at the round's end (src/sync/folder_apply_unkeep.ts): a swapped file
 * the user edits while the round still fetches other files holds that old
 * content no more, so it stays kept. Real processes; the round is caught
 * while it writes fetched files, after it placed the swap.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { describe } from "../helpers/mycel.ts";
import {
  devices,
  exists,
  keptFiles,
  put,
  sharedFolder,
  signalIfRunning,
  syncOk,
  text,
  throttleUntil,
} from "./_helpers.ts";
import { SWAP_TEXTS, swapByRenames, twoSynced } from "./_swap.ts";

Deno.test("a swapped file edited here before the round ends keeps the old content it held", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [one, two] = SWAP_TEXTS;
  await twoSynced(devs.list, ra, ["a.txt", "b.txt"], [one, two]);
  assert.equal(await text(rb, "b.txt"), two);

  await swapByRenames(ra, "a.txt", "b.txt");
  const name = (i: number) => `f${String(i).padStart(3, "0")}.bin`;
  for (let i = 0; i < 40; i++) await put(ra, name(i), pseudoRandomBytes(256 << 10, i + 1));
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);

  const round = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 60_000 });
  let placed = "";
  try {
    const caught = await throttleUntil(round.pid, () => exists(join(rb, name(2))));
    if (caught) {
      Deno.kill(round.pid, "SIGSTOP");
      placed = (await text(rb, "b.txt")) ?? "";
      await Deno.writeTextFile(join(rb, "b.txt"), "edited here\n"); // the user's edit
    }
  } finally {
    signalIfRunning(round.pid, "SIGCONT");
  }
  const r = await round.result();
  const shown = describe(["sync", "now"], r);
  assert.equal(placed, one, `the round was caught after it placed the swap: ${shown}`);
  assert.equal(r.code, 0, shown);
  const kept = (await keptFiles(rb)).map((k) => new TextDecoder().decode(k.bytes));
  assert.ok(kept.includes(one), `a.txt's old content, now nowhere in the folder, is kept`);
  assert.ok(!kept.includes(two), `b.txt's old content, at a.txt, is not kept twice`);
});

Deno.test("a swapped file replaced here by a link to its kept copy before the round ends leaves the copy kept", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [one, two] = SWAP_TEXTS;
  await twoSynced(devs.list, ra, ["a.txt", "b.txt"], [one, two]);

  await swapByRenames(ra, "a.txt", "b.txt");
  const name = (i: number) => `f${String(i).padStart(3, "0")}.bin`;
  for (let i = 0; i < 40; i++) await put(ra, name(i), pseudoRandomBytes(256 << 10, i + 1));
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);

  const round = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 60_000 });
  let linked = "";
  try {
    const caught = await throttleUntil(round.pid, () => exists(join(rb, name(2))));
    if (caught) {
      Deno.kill(round.pid, "SIGSTOP");
      // The user links b.txt to the old a.txt the round kept (its content).
      const kept = (await keptFiles(rb)).find((k) => new TextDecoder().decode(k.bytes) === one);
      if (kept !== undefined && (await text(rb, "b.txt")) === one) {
        linked = join(".mycel/versions", kept.path);
        await Deno.remove(join(rb, "b.txt"));
        await Deno.symlink(linked, join(rb, "b.txt"));
      }
    }
  } finally {
    signalIfRunning(round.pid, "SIGCONT");
  }
  const r = await round.result();
  const shown = describe(["sync", "now"], r);
  assert.notEqual(linked, "", `the round was caught after it placed and kept the swap: ${shown}`);
  assert.equal(r.code, 0, shown);
  assert.ok(await exists(join(rb, linked)), `the kept copy the link leads to is gone: ${shown}`);
  assert.equal(await text(rb, "b.txt"), one);
});
