/**
 * A hostile member (valid keys, signed entries) admits devices it made up,
 * more than a progress record may name (MAX_PROGRESS_AUTHORS), and has each
 * publish one file version in a shared folder, so that folder's frontier
 * names them all. Before, every device sharing the folder built its
 * `folder.progress` record with that whole frontier, the record's encoder
 * threw ("a progress frontier is up to 1024 key/seq pairs"), and every
 * `sync now` exited 1. Found by a review.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { createEntry } from "../../src/log/entry.ts";
import { MAX_PROGRESS_AUTHORS } from "../../src/log/file_ops.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceRecord } from "../../src/log/device_record.ts";
import { type DeviceKeys, generateDeviceKeys, Signer } from "../../src/log/identity.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { put, rogueJoined, syncNow, text } from "./_helpers.ts";

/**
 * In `home`: admit `n` made-up devices (one entry), and take in each one's
 * first entry, announcing itself and publishing `m/<i>.txt` (empty) in docs.
 */
async function mintWriters(home: string, n: number): Promise<void> {
  const minted: { keys: DeviceKeys; key: DeviceKey; device: DeviceRecord }[] = [];
  for (let i = 0; i < n; i++) {
    const keys = await generateDeviceKeys();
    const key = DeviceKey.of(keys.signPublic);
    const device: DeviceRecord = {
      key,
      id: key.id,
      name: `minted-${i}`,
      noiseKey: toBase64(keys.noisePublic),
      wgKey: toBase64(keys.wgPublic),
      endpoints: [],
      ipv4: "",
      wgPort: 0,
    };
    minted.push({ keys, key, device });
  }
  const h = await Home.open(home, { write: true });
  try {
    await h.write((w) =>
      w.commit(minted.map(({ device }) => ({ type: "device.add" as const, device })))
    );
    const raw: Uint8Array[] = [];
    for (const [i, { keys, key, device }] of minted.entries()) {
      const entry = await createEntry(new Signer(keys), {
        seq: 1,
        prev: null,
        hlc: { wall: Date.now(), counter: 0, node: key.hex },
        ops: [{ type: "device.add", device }, {
          type: "file.version",
          folder: "docs",
          version: {
            kind: "file",
            path: `m/${i}.txt`,
            size: 0,
            exec: false,
            mtime: 1,
            chunks: { inline: [] },
            modifiedBy: key.id,
            vv: new Map([[key.id, 1]]),
          },
        }],
      });
      raw.push(entry.bytes);
    }
    await h.write(async (w) => {
      const ingest = w.ingest();
      await w.pushIngest(ingest, raw);
      const r = w.finishIngest(ingest);
      assert.equal(r.accepted, n, JSON.stringify(r));
    });
  } finally {
    h.close();
  }
}

Deno.test("a folder whose frontier names more devices than a progress record may stops no round", async () => {
  const { devs, a, rogue, ra, rr } = await rogueJoined((root) => put(root, "keep.txt", "keep\n"));
  await using _ = devs;
  // The rogue writes in the folder too: it joined it, so a's record keeps it.
  await put(rr, "r.txt", "r\n");
  await syncNow(rogue);
  await mintWriters(rogue.home, MAX_PROGRESS_AUTHORS + 8);
  const r0 = await syncNow(rogue);
  assert.notEqual(r0.code, 1, r0.stderr);

  await put(ra, "new.txt", "new\n");
  const r1 = await syncNow(a);
  assert.notEqual(r1.code, 1, r1.stderr);
  assert.equal(await text(ra, "m/7.txt"), "");
  const r2 = await syncNow(rogue);
  assert.notEqual(r2.code, 1, r2.stderr);
  assert.equal(await text(rr, "new.txt"), "new\n");

  // a's record, as the rogue holds it: as many authors as a record may
  // name, a and the rogue (the devices that joined and wrote) among them.
  const h = await Home.open(rogue.home);
  try {
    const ids = new Map([a, rogue].map((d) => [d, ""]));
    for (const d of [a, rogue]) {
      const o = await Home.open(d.home);
      ids.set(d, o.device.hex);
      o.close();
    }
    const row = [...h.view.folders().deviceRows()].find(([f, hex]) =>
      f === "docs" && hex === ids.get(a)
    )?.[2];
    const frontier = row?.progress?.frontier.map(([k]) => k.hex) ?? [];
    assert.equal(frontier.length, MAX_PROGRESS_AUTHORS);
    assert.ok(frontier.includes(ids.get(a)!) && frontier.includes(ids.get(rogue)!));
  } finally {
    h.close();
  }
});
