/**
 * `folder move ID PATH` refuses a PATH that is not the folder that moved —
 * missing, a symbolic link, a file, a folder without the marker, a folder
 * whose marker names another folder, where another folder syncs — and an
 * unknown id, each with its own message and exit 2, and changes nothing.
 * (The move itself, with a real peer, is in safety_test.ts.)
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("folder move refuses what is not the folder that moved, and changes nothing", async () => {
  await using h = await tempHome();
  {
    await h.ok(["init", "--name", "laptop"]);
    const docs = h.path("docs");
    const music = h.path("music");
    await Deno.mkdir(docs);
    await Deno.mkdir(music);
    await h.ok(["folder", "add", docs, "--id", "docs"]);
    await h.ok(["folder", "add", music, "--id", "music"]);
    const bare = h.path("bare");
    await Deno.mkdir(bare);
    await Deno.writeTextFile(join(bare, "a.txt"), "a");
    const other = h.path("other");
    await Deno.mkdir(other);
    await Deno.writeTextFile(join(other, MARKER_NAME), "mycel folder photos\n");
    const link = h.path("link");
    await Deno.symlink(docs, link);
    const file = h.path("file.txt");
    await Deno.writeTextFile(file, "x");

    const cases: [string[], RegExp][] = [
      [
        ["docs", h.path("nowhere")],
        /Cannot move folder: it does not exist .*\nhint: Move the folder there first/,
      ],
      [
        ["docs", link],
        /it is a symbolic link .*\nhint: Use the folder it points to: mycel folder move docs /,
      ],
      [["docs", file], /it is not a folder/],
      [
        ["docs", bare],
        /it holds no folder marker \.mycel-folder, so it is not the folder that moved/,
      ],
      [["docs", other], /its marker names another folder \(photos\)/],
      [["docs", music], /another folder is synced there \(.*music \(music\)\)/],
      [["nope", docs], /this device does not sync it \(nope\)/],
      [["Bad Id!", docs], /folder id/],
    ];
    const before = await h.json(["folder", "list", "--json"]);
    for (const [args, message] of cases) {
      const r = await h.run(["folder", "move", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.doesNotMatch(r.stderr, /internal error/i);
    }
    assert.deepEqual(await h.json(["folder", "list", "--json"]), before, "nothing changed");
    assert.equal(await Deno.readTextFile(join(bare, "a.txt")), "a");
    await assert.rejects(() => Deno.lstat(join(bare, MARKER_NAME)), "no marker written anywhere");
  }
});

Deno.test("folder add where another folder was synced before makes the marker this folder's, so it can move later", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const place = h.path("place");
  await Deno.mkdir(place);
  await h.ok(["folder", "add", place, "--id", "old"]);
  await h.ok(["folder", "remove", "old"]);
  assert.equal(await Deno.readTextFile(join(place, MARKER_NAME)), "mycel folder old\n");
  await h.ok(["folder", "add", place, "--id", "new"]);
  assert.equal(await Deno.readTextFile(join(place, MARKER_NAME)), "mycel folder new\n");
  assert.deepEqual(
    [...Deno.readDirSync(place)].map((e) => e.name),
    [MARKER_NAME],
    "no temporary file left",
  );
  const moved = h.path("moved");
  await Deno.rename(place, moved);
  const r = await h.run(["folder", "move", "new", moved]);
  assert.equal(r.code, 0, r.stderr);
});
