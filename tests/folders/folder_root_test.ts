/**
 * What `folder add` and `folder join` say about a path that is not a folder
 * they can use: a symbolic link (never followed: it could be re-pointed
 * later) is named as one, with the folder it points to as the hint; a file
 * is named as a file. Nothing is shared or joined, and no marker is written.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { devices, put, syncOk, text } from "./_helpers.ts";

Deno.test("sharing or joining a symbolic link or a file is refused by name, with the real folder as the hint", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const real = a.tmp.path("real docs");
  await put(real, "x.txt", "x\n");
  const link = a.tmp.path("docs-link");
  await Deno.symlink(real, link);

  const args = ["--no-sync", "folder", "add", link];
  const r = await a.run(args);
  assert.equal(r.code, 2, describe(args, r));
  assert.ok(r.stderr.includes(`Cannot use folder: it is a symbolic link (${link})`), r.stderr);
  assert.ok(
    r.stderr.includes(
      `hint: Use the folder it points to: mycel folder add '${real}'`, /* quoted: a space */
    ),
    r.stderr,
  );
  assert.equal(await text(real, ".mycel-folder"), undefined, "no marker");

  const file = a.tmp.path("plain.txt");
  await Deno.writeTextFile(file, "text");
  const f = await a.run(["--no-sync", "folder", "add", file]);
  assert.equal(f.code, 2, describe(["folder", "add"], f));
  assert.ok(f.stderr.includes(`Cannot use folder: it is not a folder (${file})`), f.stderr);
  assert.deepEqual(await a.tmp.json(["folder", "list", "--json"]), { folders: [], offers: [] });

  // Joining into a link, on b.
  await devs.peer(a, b);
  await a.serve();
  await a.ok(["--no-sync", "folder", "add", real, "--id", "docs"]);
  await syncOk(b);
  const bReal = b.tmp.path("elsewhere");
  await Deno.mkdir(bReal);
  const bLink = b.tmp.path("join-link");
  await Deno.symlink(bReal, bLink);
  const j = await b.run(["--no-sync", "folder", "join", "docs", bLink]);
  assert.equal(j.code, 2, describe(["folder", "join"], j));
  assert.ok(
    j.stderr.includes(`hint: Use the folder it points to: mycel folder join docs ${bReal}`),
    j.stderr,
  );
  assert.equal(await text(bReal, ".mycel-folder"), undefined, "no marker");
});
