/**
 * @module _deleted_dir
 * The start the `folder restore DIR` tests share: a folder "docs" synced on
 * devices a and b holding d/a.txt, d/sub/b.txt and top.txt; then a deletes
 * the whole of d (its scan told `--yes`, since that is most of its files)
 * and both sync, so b removed d too and kept its files as old versions.
 */

import { join } from "node:path";
import { type Devices, put, sharedFolder, syncOk } from "./_helpers.ts";

/** See the module comment: the roots of docs on a and on b. */
export async function dirDeletedOnA(devs: Devices): Promise<[string, string]> {
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "d/a.txt", "a\n");
      await put(root, "d/sub/b.txt", "b\n");
      await put(root, "top.txt", "t\n");
    },
  });
  await syncOk(b);
  await Deno.remove(join(ra, "d"), { recursive: true });
  await a.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);
  await syncOk(a);
  await syncOk(b);
  return [ra, rb];
}
