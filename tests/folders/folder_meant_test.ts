/**
 * @module folder_meant_test
 * Folder commands take a folder's id, which is random (`2p547-v4hbr`); a
 * user types the name `folder list` shows, or the folder's path. Given
 * either, the command still refuses (exit 2, nothing changed), and its hint
 * names the folder's id and the command to run with it. Before, the hint
 * was "See `mycel folder list`." (a name) or none at all (a path: "a folder
 * id is 1–64 letters…"). Real processes, one device.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

Deno.test("a folder command given a folder's name or path instead of its id says the id to use", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("Documents");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(`${docs}/a.txt`, "a\n");
  const added = await h.json<{ id: string }>(["--no-sync", "folder", "add", docs, "--json"]);
  const id = added.id;
  assert.notEqual(id, "Documents");
  const before = (await h.ok(["folder", "list", "--json"])).stdout;

  const cases: { args: string[]; cwd?: string; hint: string }[] = [
    {
      args: ["folder", "status", "Documents"],
      hint: `Documents is the name of folder ${id}: give its id, \`mycel folder status ${id}\`.`,
    },
    {
      args: ["folder", "scan", "Documents", "--yes"],
      hint: `Documents is the name of folder ${id}: give its id, \`mycel folder scan ${id}\`.`,
    },
    {
      args: ["folder", "conflicts", docs],
      hint:
        `${docs} is where folder ${id} syncs here: give its id, \`mycel folder conflicts ${id}\`.`,
    },
    {
      args: ["folder", "remove", "./Documents"],
      cwd: h.dir,
      hint:
        `./Documents is where folder ${id} syncs here: give its id, \`mycel folder remove ${id}\`.`,
    },
    {
      args: ["folder", "retention", `${docs}/`],
      hint:
        `${docs}/ is where folder ${id} syncs here: give its id, \`mycel folder retention ${id}\`.`,
    },
  ];
  for (const c of cases) {
    const args = ["--no-sync", ...c.args];
    const r = await h.run(args, { cwd: c.cwd });
    assert.equal(r.code, 2, describe(args, r));
    assert.equal(r.stdout, "", describe(args, r));
    assert.ok(r.stderr.endsWith(`\nhint: ${c.hint}\n`), describe(args, r));
    const j = await h.run([...args, "--json"], { cwd: c.cwd });
    assert.equal(j.code, 2, describe(args, j));
    assert.equal(JSON.parse(j.stderr).error.hint, c.hint);
  }
  // Nothing changed (the remove did not remove).
  assert.equal((await h.ok(["folder", "list", "--json"])).stdout, before);
  // A name no folder has keeps the plain hint.
  const none = await h.run(["--no-sync", "folder", "status", "Music"]);
  assert.equal(none.code, 2, none.stderr);
  assert.match(none.stderr, /\nhint: See `mycel folder list`\.\n$/);
});
