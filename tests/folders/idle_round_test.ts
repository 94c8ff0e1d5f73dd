/**
 * A round with nothing to do writes nothing into a synced folder: what its
 * file system can do (permission bits, case) is probed once per disk and
 * kept (src/sync/folder_fs.ts), not by a file made and deleted every 30
 * seconds — which would keep an idle USB drive awake and an SSD busy.
 */

import assert from "node:assert/strict";
import { devices, put, sharedFolder, syncOk } from "./_helpers.ts";

Deno.test("an idle round writes nothing into the folder; the file system's traits are kept per disk", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "doc.txt", "one\n");
  await syncOk(a);
  await syncOk(b);
  await syncOk(a);
  const stamp = (root: string) => {
    const s = Deno.statSync(root);
    return `${s.mtime?.getTime()} ${s.ctime?.getTime()}`;
  };
  const before = [stamp(ra), stamp(rb)];
  await new Promise((r) => setTimeout(r, 20)); // a write now would move the stamps
  const said: string[] = [];
  for (let i = 0; i < 2; i++) {
    for (const d of [a, b]) {
      const r = await syncOk(d);
      said.push(`${d.name}: ${r.stdout}${r.stderr}`);
    }
  }
  assert.deepEqual(
    [stamp(ra), stamp(rb)],
    before,
    `an idle round wrote into a folder:\n${said.join("")}`,
  );
});
