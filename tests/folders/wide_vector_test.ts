/**
 * A hostile member (valid keys, signed entries) publishes versions whose
 * vectors name made-up devices: 256 at most each, which every device
 * accepts, but a version made from them here — a scan's edit or deletion
 * (held vector, one more), a conflict's merge (the union), an override
 * (above them all) — would name more than the 256 a version may name. Before,
 * encoding it threw ("Cannot read file version: version vector names over
 * 256 devices"): every round exited 1 on the merge, and a scan, and with it
 * `sync now` before its entry round, exited 1, so this device stopped
 * syncing entries and every other path. Now that path alone is left
 * unpublished and said; everything else syncs. Found by a review.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { FileVersion } from "../../src/log/file_version.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { type Device, put, rogueJoined, syncNow, text } from "./_helpers.ts";

/** `n` device ids no mesh has, told apart by `tag`. */
function madeUpIds(n: number, tag: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const k = new Uint8Array(32);
    k[0] = tag;
    k[1] = i & 0xff;
    k[2] = i >> 8;
    return deviceIdFromKey(k);
  });
}

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

/** `a` shares docs (with `keep.txt`), the rogue joins; the rogue's versions reach `a`. */
async function attacked(make: (self: string) => FileVersion[], victim?: (id: string) => void) {
  const { devs, a, rogue, ra, rr } = await rogueJoined((root) => put(root, "keep.txt", "keep\n"));
  if (victim) victim(await deviceIdOf(a));
  await publish(rogue, make);
  await syncNow(rogue);
  return { devs, a, rogue, ra, rr };
}

/** The device id of `d`'s home. */
async function deviceIdOf(d: Device): Promise<string> {
  const h = await Home.open(d.home);
  try {
    return h.device.id;
  } finally {
    h.close();
  }
}

const emptyFile = { kind: "file", size: 0, exec: false, chunks: { inline: [] } } as const;
const vvOf = (self: string, ids: string[]) =>
  new Map([[self, 1], ...ids.map((d) => [d, 1] as [string, number])]);

Deno.test("a conflict whose merge would name over 256 devices stays, said, and the rest of the folder syncs", async () => {
  const { devs, a, rogue, ra, rr } = await attacked((self) => [
    // Two concurrent versions naming 200 made-up devices each: a merge names 402.
    {
      kind: "deleted",
      path: "m.txt",
      mtime: 1,
      modifiedBy: self,
      vv: vvOf(self, madeUpIds(200, 1)),
    },
    { ...emptyFile, path: "m.txt", mtime: 2, modifiedBy: self, vv: vvOf(self, madeUpIds(200, 2)) },
  ]);
  await using _ = devs;
  const r1 = await syncNow(a);
  assert.notEqual(r1.code, 1, r1.stderr);
  assert.match(r1.stderr, /not written here: m\.txt: its conflict can't end here: .*402 devices/);
  const r2 = await syncNow(a);
  assert.notEqual(r2.code, 1, r2.stderr);
  const conflicts = await a.ok(["--no-sync", "folder", "conflicts"]);
  assert.match(conflicts.stdout, /m\.txt: versions in conflict \(it can't end here: .*402 devices/);

  // An override can't make a version above them either: m.txt is left alone, said.
  await put(ra, "other.txt", "mine\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  const o = await a.run(["--no-sync", "folder", "override", "docs", "--yes"]);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /left alone: m\.txt: .*402 devices/);

  // Entries and every other path still sync both ways.
  await put(ra, "new.txt", "new\n");
  const r3 = await syncNow(a);
  assert.notEqual(r3.code, 1, r3.stderr);
  await syncNow(rogue);
  assert.equal(await text(rr, "new.txt"), "new\n");
  assert.equal(await text(rr, "other.txt"), "mine\n");
});

Deno.test("an edit or deletion whose vector would name over 256 devices is not published, said, and the rest of the folder syncs", async () => {
  const { devs, a, rogue, ra, rr } = await attacked((self) => [
    // 256 devices: the most a version may name; one more change here makes 257.
    { ...emptyFile, path: "v.txt", mtime: 1, modifiedBy: self, vv: vvOf(self, madeUpIds(255, 3)) },
    { ...emptyFile, path: "d.txt", mtime: 1, modifiedBy: self, vv: vvOf(self, madeUpIds(255, 4)) },
  ]);
  await using _ = devs;
  const r1 = await syncNow(a);
  assert.notEqual(r1.code, 1, r1.stderr);
  assert.equal(await text(ra, "v.txt"), "");
  assert.equal(await text(ra, "d.txt"), "");

  await put(ra, "v.txt", "edited\n");
  await Deno.remove(join(ra, "d.txt"));
  await put(ra, "new.txt", "new\n");
  const scan = await a.run(["--no-sync", "folder", "scan"]);
  assert.equal(scan.code, 0, scan.stderr);
  assert.match(scan.stderr, /v\.txt: a version of it made here would name 257 devices/);
  assert.match(scan.stderr, /d\.txt: a version of it made here would name 257 devices/);
  const status = await a.ok(["--no-sync", "folder", "status", "--json"]);
  const notSynced = JSON.parse(status.stdout)[0].not_synced.map((p: { path: string }) => p.path);
  assert.deepEqual(notSynced.sort(), ["d.txt", "v.txt"]);

  // `sync now` scans first: it goes on to its entry round and the new file travels.
  const r2 = await syncNow(a);
  assert.notEqual(r2.code, 1, r2.stderr);
  await syncNow(rogue);
  assert.equal(await text(rr, "new.txt"), "new\n");
  // The edit stays on this disk (the round did not put the rogue's back).
  assert.equal(await text(ra, "v.txt"), "edited\n");
  // The rogue's versions stand: nothing of v.txt or d.txt left this device.
  assert.equal(await text(rr, "v.txt"), "");
  assert.equal(await text(rr, "d.txt"), "");
});

Deno.test("versions counting this device's changes at 2^53 - 1 stop no round: their paths are left, said, and the rest of the folder syncs", async () => {
  // The rogue writes the counter of `a`, not its own: a's next change there,
  // a merge or an edit, would count past the largest safe integer. Before,
  // the encoder threw ("version counters must be ≥ 1"): every round of a
  // exited 1 on the merge, its scan and override too.
  let aId = "";
  const { devs, a, rogue, ra, rr } = await attacked((self) => {
    const at = (tag: number) =>
      new Map([[self, 1], ...madeUpIds(1, tag).map((d) => [d, 1] as [string, number]), [
        aId,
        Number.MAX_SAFE_INTEGER,
      ]]);
    return [
      { kind: "deleted", path: "m.txt", mtime: 1, modifiedBy: self, vv: at(5) },
      { ...emptyFile, path: "m.txt", mtime: 2, modifiedBy: self, vv: at(6) },
      { ...emptyFile, path: "v.txt", mtime: 1, modifiedBy: self, vv: at(7) },
    ];
  }, (id) => aId = id);
  await using _ = devs;
  const r1 = await syncNow(a);
  assert.notEqual(r1.code, 1, r1.stderr);
  assert.match(
    r1.stderr,
    /not written here: m\.txt: its conflict can't end here: .*9007199254740991/,
  );
  const conflicts = await a.ok(["--no-sync", "folder", "conflicts"]);
  assert.match(conflicts.stdout, /m\.txt: versions in conflict \(it can't end here: /);

  await put(ra, "v.txt", "edited\n");
  await put(ra, "new.txt", "new\n");
  const scan = await a.run(["--no-sync", "folder", "scan"]);
  assert.equal(scan.code, 0, scan.stderr);
  assert.match(scan.stderr, /v\.txt: a version of it made here would count one change more/);
  const o = await a.run(["--no-sync", "folder", "override", "docs", "--yes"]);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stderr, /left alone: m\.txt: /);

  const r2 = await syncNow(a);
  assert.notEqual(r2.code, 1, r2.stderr);
  await syncNow(rogue);
  assert.equal(await text(rr, "new.txt"), "new\n");
  assert.equal(await text(ra, "v.txt"), "edited\n");
  assert.equal(await text(rr, "v.txt"), "");
});
