/**
 * A local change during a transfer, end to end on real processes: while
 * device b is fetching a large file from a (b's `sync now` held to a quarter
 * of the CPU with SIGSTOP/SIGCONT by PID, and stopped once its temporary
 * file exists), b's user writes that same path. The transfer does not
 * overwrite it (the assembly finds the file changed: `changed_locally`, told
 * on standard error): b's edit is whole. The next scan publishes the edit,
 * concurrent with a's version: a conflict, resolved the same way on both
 * devices (docs/folders.md, "Conflicts"): the newer mtime — b's edit — wins
 * `big.bin`, and a's version is kept beside it as
 * `big.sync-conflict-<its mtime>-<a's id>.bin`. Both for a new path and for a
 * path b already held an older version of.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { utcStamp } from "../../src/files/conflict_name.ts";
import { describe } from "../helpers/mycel.ts";
import { sameBytes, stopWhileFetching } from "./_fetch_hold.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import {
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncOk,
  tempFiles,
  text,
  treeHash,
} from "./_helpers.ts";

const MiB = 1 << 20;

for (const replacing of [false, true]) {
  Deno.test(
    `a local edit during a transfer ${
      replacing ? "replacing a file" : "of a new file"
    } is kept; the devices agree on a conflict the edit wins`,
    async () => {
      await using devs = await devices(["a", "b"]);
      const [a, b] = devs.list;
      const [ra, rb] = await sharedFolder(devs);
      for (const n of ["x", "y"]) await put(ra, `${n}.txt`, `${n}\n`);
      if (replacing) await put(ra, "big.bin", "the first version\n");
      await rounds([a, b], 1);
      if (replacing) assert.equal(await text(rb, "big.bin"), "the first version\n");

      const theirs = pseudoRandomBytes(64 * MiB, replacing ? 5 : 4);
      await put(ra, "big.bin", theirs);
      const theirMtime = (await Deno.lstat(join(ra, "big.bin"))).mtime!.getTime();
      await syncOk(a);

      const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 180_000 });
      let r;
      try {
        const stopped = await stopWhileFetching(rb, p.pid, b.home);
        assert.ok(stopped, `b was fetching when stopped:\n${p.stdout}${p.stderr}`);
        try {
          await put(rb, "big.bin", "b's own edit\n");
        } finally {
          Deno.kill(p.pid, "SIGCONT");
        }
        r = await p.result();
      } finally {
        await p.stop();
      }
      assert.equal(await text(rb, "big.bin"), "b's own edit\n", "b's edit is whole");
      assert.match(
        r.stderr,
        /big\.bin: it changed on this device meanwhile \(kept; it will sync as a conflict\)/,
        describe(["sync", "now"], r),
      );
      // What was fetched is kept for the next round (tests/folders/edit_during_fetch_test.ts).
      assert.equal(tempFiles(rb).length, 1, "the fetched file is kept, nothing else");

      // The next rounds: b's scan publishes its edit, a conflict; both settle on one result.
      await rounds([b, a, b, a], 1);
      const copy = `big.sync-conflict-${utcStamp(theirMtime)}-${a.id.slice(0, 7)}.bin`;
      for (const [d, root] of [[a, ra], [b, rb]] as const) {
        assert.deepEqual(await listTree(root), ["big.bin", copy, "x.txt", "y.txt"], d.name);
        assert.equal(await text(root, "big.bin"), "b's own edit\n", `${d.name}: the edit wins`);
        assert.ok(await sameBytes(join(root, copy), theirs), `${d.name}: a's version is kept`);
      }
      assert.equal(await treeHash(ra), await treeHash(rb));
      assert.deepEqual(tempFiles(rb), [], "the kept file went with its use");
      const after = await syncOk(b);
      assert.doesNotMatch(after.stderr, /changed on this device/);
    },
  );
}
