/**
 * Empty folders on a file system that ignores case (docs/folders.md "Empty
 * folders", exFAT here): a peer's folder version whose path this disk holds
 * under another spelling (`notes/sub` where `Notes/` is) is reported, not
 * made, as a new file's path is (folder_apply_case.ts). Before, it was made
 * inside `Notes/`: the next scan here published `Notes/sub` as a new folder
 * and `notes/sub` as deleted, and the device it came from had its folder
 * moved to the other spelling. Real processes, an exFAT image mounted.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { exfatMissing } from "../helpers/exfat.ts";
import { mountExfat } from "../helpers/exfat.ts";
import { devices, exists, put, sharedFolder, syncNow, syncOk } from "./_helpers.ts";

const MISSING = exfatMissing();
const IN_CI = Deno.env.get("CI") !== undefined;
if (MISSING !== undefined && !IN_CI) console.log(`empty_dirs_exfat_test: skipped: ${MISSING}`);

Deno.test({
  name:
    "an empty folder spelled otherwise than a folder an exFAT disk holds is reported there, not made in that folder nor moved back",
  ignore: MISSING !== undefined && !IN_CI,
  async fn() {
    assert.equal(MISSING, undefined, "CI must be able to mount exFAT");
    await using disk = await mountExfat();
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      roots: [undefined, join(disk.path, "docs")],
      seed: async (root) => {
        for (const n of ["f.txt", "g.txt", "h.txt", "Notes/a.txt"]) await put(root, n, "f\n");
      },
    });
    await syncOk(b);
    await Deno.mkdir(join(ra, "notes/sub"), { recursive: true }); // ext4: a second folder
    await syncOk(a);
    const r = await syncNow(b);
    const said = r.stdout + r.stderr;
    assert.match(said, /notes\/sub.*differs only in case/, said);
    await syncNow(b);
    await syncOk(a);
    assert.ok(await exists(join(ra, "notes/sub")), "a's folder was moved away");
    assert.equal(await exists(join(ra, "Notes/sub")), false, "a's folder came back in Notes");
    assert.deepEqual([...Deno.readDirSync(join(rb, "Notes"))].map((e) => e.name), ["a.txt"]);
  },
});
