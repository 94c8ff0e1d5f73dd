/**
 * @module error_one_line_test
 * A folder command's error names the value it could not use on the error's
 * own line: a newline in a path the user gave is shown as `\n`, so it can't
 * start a line of its own that reads like another message. Before, the
 * message was printed with its newlines raw (found by an audit of the folder
 * commands, issue 13): `folder versions $'/x/nosuch\nerror: forged'` printed
 * a second line "error: forged)". Real processes, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, tempHome } from "../helpers/mycel.ts";

Deno.test("a folder command's error shows a newline of the value it names escaped, on one line", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  await Deno.mkdir(h.path("docs"));
  await h.ok(["--no-sync", "folder", "add", h.path("docs"), "--id", "docs"]);
  const forged = "x\nerror: forged";
  for (
    const args of [
      ["--no-sync", "folder", "versions", join(h.dir, forged)],
      ["--no-sync", "folder", "add", join(h.dir, forged), "--name", "ok"],
      ["--no-sync", "folder", "move", "docs", join(h.dir, forged)],
      ["--no-sync", "folder", "restore", join(h.path("docs"), "a.txt"), "--version", forged],
    ]
  ) {
    const r = await h.run(args);
    const what = describe(args, r);
    assert.equal(r.code, 2, what);
    const lines = r.stderr.trimEnd().split("\n");
    assert.match(lines[0], /^error: Cannot .*x\\nerror: forged\)$/, what);
    assert.deepEqual(lines.slice(1).filter((l) => !l.startsWith("hint: ")), [], what);
  }
});
