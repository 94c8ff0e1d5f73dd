/**
 * A hostile member (valid keys, signed entries) publishes file versions of
 * sizes no disk holds, each valid (a manifest of 2^28 chunks at 2^52 bytes)
 * but together past 2^53 - 1 bytes. A device sharing the folder can't write
 * them (said, as any file its disk has no room for) and says it lacks them;
 * before, the sum of what it lacked went into its progress record as is,
 * the record's encoder threw, and every `sync now` of every such device
 * exited 1 with "internal error: needBytes must be a count". Found by a
 * review.
 */

import assert from "node:assert/strict";
import type { FileVersion } from "../../src/log/file_version.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { type Device, put, rogueJoined, syncNow, text } from "./_helpers.ts";

/** The rogue publishes `make(itself)` straight into its log, as a modified mycel would. */
async function publish(rogue: Device, make: (self: string) => FileVersion[]): Promise<void> {
  const h = await Home.open(rogue.home, { write: true });
  try {
    await h.write(async (w) => {
      await w.commit(
        make(h.device.id).map((version) => ({
          type: "file.version" as const,
          folder: "docs",
          version,
        })),
      );
    });
  } finally {
    h.close();
  }
}

/** A version of 2^52 bytes in 2^28 chunks (valid: each chunk 16 MiB). */
function huge(path: string, tag: number, self: string): FileVersion {
  return {
    kind: "file",
    path,
    size: 2 ** 52,
    exec: false,
    mtime: 1,
    chunks: { manifest: tag.toString(16).padStart(64, "0"), count: 2 ** 28 },
    modifiedBy: self,
    vv: new Map([[self, 1]]),
  };
}

Deno.test("files whose sizes sum past 2^53 - 1 bytes stop no round: the device says it lacks them, and everything else syncs", async () => {
  const { devs, a, rogue, ra, rr } = await rogueJoined((root) => put(root, "keep.txt", "keep\n"));
  await using _ = devs;
  await publish(rogue, (self) => [1, 2, 3].map((i) => huge(`h${i}.bin`, i, self)));
  await syncNow(rogue);

  await put(ra, "new.txt", "new\n");
  const r1 = await syncNow(a);
  assert.notEqual(r1.code, 1, r1.stderr);
  assert.doesNotMatch(r1.stderr, /internal error/);
  assert.match(r1.stderr, /h1\.bin: the disk holding the folder is full/);

  // a's record reached the rogue: a lacks the three files.
  await syncNow(rogue);
  assert.equal(await text(rr, "new.txt"), "new\n");
  const status = await rogue.ok(["--no-sync", "folder", "status", "--json"]);
  const line = JSON.parse(status.stdout)[0].devices.find((d: { name: string }) => d.name === "a");
  assert.equal(line.behind_files, 3, status.stdout);
  assert.equal(line.behind_bytes, Number.MAX_SAFE_INTEGER, status.stdout);
});
