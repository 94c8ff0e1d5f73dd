/**
 * @module join_says_test
 * What `folder join` says after its scan is what this device's disk lacks
 * of the folder. Before, it said "its files arrive with the next `mycel
 * sync now`" always — also right after `folder remove` of the same folder,
 * its files all still on disk (a walkthrough, issue 13). Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";
import { devices, folderOf, put, soloFolder, syncOk } from "./_helpers.ts";

Deno.test("folder join right after folder remove says its files are here already", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  await Deno.writeTextFile(join(docs, "b.txt"), "bb\n");
  await h.ok(["--no-sync", "folder", "scan", "docs"]);
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  const r = await h.ok(["--no-sync", "folder", "join", "docs", docs]);
  assert.equal(
    r.stdout,
    "Joined folder docs; its 2 files are here already (the next `mycel sync now` checks them).\n" +
      "docs: 2 files; published 0 changes\n",
  );
});

Deno.test("folder join counts the files it syncs as its scan line does, and says how many more the ignore rules here match", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  await Deno.writeTextFile(join(docs, "b.log"), "bb\n");
  await h.ok(["--no-sync", "folder", "scan", "docs"]);
  // b.log was synced; ignored from now on, it stays in the folder's state but no scan counts it.
  await Deno.writeTextFile(join(docs, ".mycelignore"), "*.log\n");
  await h.ok(["--no-sync", "folder", "scan", "docs"]);
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  const r = await h.ok(["--no-sync", "folder", "join", "docs", docs]);
  // Before: "its 3 files are here already" over "docs: 2 files", nothing on why.
  assert.equal(
    r.stdout,
    "Joined folder docs; its 2 files are here already (the next `mycel sync now` checks them); " +
      "1 more file is ignored here (.mycelignore, .mycel/ignore).\n" +
      "docs: 2 files; published 0 changes\n",
  );
});

Deno.test("folder join of a folder of one file, all here, says it of that one file", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  const r = await h.ok(["--no-sync", "folder", "join", "docs", docs]);
  // It said "its 1 file is here already (… checks them)".
  assert.equal(
    r.stdout,
    "Joined folder docs; its 1 file is here already (the next `mycel sync now` checks it).\n" +
      "docs: 1 file; published 0 changes\n",
  );
});

Deno.test("folder join where some of the files are already here says how many files, and how much, arrive with the next sync", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  const ra = folderOf(a), rb = folderOf(b);
  await Deno.mkdir(ra, { recursive: true });
  await put(ra, "one.txt", "1\n");
  await put(ra, "two.txt", "22\n");
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await syncOk(b);
  // b has one of them already, the same content.
  await Deno.mkdir(rb, { recursive: true });
  await put(rb, "one.txt", "1\n");
  const r = await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  assert.match(
    r.stdout,
    /^Joined folder docs; 1 of its 2 files \(3 B\) arrives with the next `mycel sync now`\.\n/,
  );
});
