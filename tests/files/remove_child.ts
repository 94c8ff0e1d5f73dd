/**
 * @module remove_child
 * Child process for the kill-during-deletion test: applies a peer's
 * deletion of ROOT/PATH (keepRemoved false) and, once the file is held
 * aside and checked, prints "held" and waits for ever (the parent kills it
 * there).
 *
 *     deno run -A tests/files/remove_child.ts ROOT PATH
 */

import { removeEntry } from "../../src/files/remove_entry.ts";

const [root, path] = Deno.args;
const current = await Deno.lstat(`${root}/${path}`);
await removeEntry(root, path, {
  expected: { size: current.size, mtimeMs: current.mtime!.getTime(), ino: current.ino! },
  keepRemoved: false,
  beforeRemove: async (step) => {
    if (step !== "held") return;
    console.log("held");
    await new Promise(() => {});
  },
});
