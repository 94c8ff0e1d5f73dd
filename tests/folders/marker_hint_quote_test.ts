/**
 * @module marker_hint_quote_test
 * The hint a folder whose marker went gives, `touch '…/.mycel-folder'`, is
 * one shell word that a shell runs as given, even for a folder whose path
 * holds a `'` ("it's docs"): before, the quote was pasted in raw, and the
 * command a user copied left the shell waiting for a closing quote. The
 * hint is taken from `folder scan`'s and `folder status`'s own output and
 * run by a real `sh`; the folder then scans again. Real processes and files.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

/** The `touch …` command in `text` (the rest of the line after "recreate the marker: "). */
function touchIn(text: string): string {
  const m = /recreate the marker: (touch .*)$/m.exec(text);
  assert.ok(m, `a touch hint in: ${text}`);
  return m[1];
}

Deno.test("the hint to recreate a folder's marker runs in a shell for a path with a quote in it", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const root = h.path("it's docs");
  await Deno.mkdir(root);
  await Deno.writeTextFile(`${root}/a.txt`, "a\n");
  await h.ok(["--no-sync", "folder", "add", root, "--id", "docs"]);
  await Deno.remove(`${root}/.mycel-folder`);

  const scan = await h.run(["folder", "scan", "docs"]);
  assert.equal(scan.code, 1, describe(["folder", "scan"], scan));
  const status = await h.ok(["folder", "status", "docs"]);
  const touch = touchIn(scan.stderr);
  assert.equal(touchIn(status.stdout), touch, status.stdout);

  const sh = await new Deno.Command("sh", { args: ["-c", touch], stderr: "piped" }).output();
  assert.equal(sh.code, 0, `${touch}: ${new TextDecoder().decode(sh.stderr)}`);
  assert.ok((await Deno.lstat(`${root}/.mycel-folder`)).isFile, "the marker is back");
  const again = await h.ok(["folder", "scan", "docs"]);
  assert.match(again.stdout, /^it.s docs \(docs\): 1 file; published 0 changes$/m, again.stdout);
});
