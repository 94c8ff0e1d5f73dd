/**
 * @module folders_json_output_test
 * `--json` of `folder add`, `join`, `remove` and `restore`: standard output
 * is one JSON document with the fields the commands print (folder_add.ts,
 * folder_join.ts, folder.ts, folder_versions.ts), and nothing else (real
 * processes, one device: a folder removed here is still shared, so it can
 * be joined again). Every folder command's keys are snake_case, as the rest
 * of the CLI's (issue 13: `folder status` and `scan` printed camelCase,
 * `folder override` snake_case).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { type TempHome, tempHome } from "../helpers/mycel.ts";

/** A folder with two files (2 and 3 bytes), not shared yet; its real path. */
async function twoFiles(h: TempHome): Promise<string> {
  await h.ok(["init", "--name", "laptop"]);
  const docs = join(await Deno.realPath(h.dir), "docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "a.txt"), "a\n");
  await Deno.writeTextFile(join(docs, "b.txt"), "bb\n");
  return docs;
}

/**
 * The report of a scan of `twoFiles`' folder: `published` changes, the files
 * hashed or not; `name`, the name it was shared with.
 */
function scanOf(published: number, hashed: boolean, name = "docs") {
  return {
    folder: "docs",
    name,
    published,
    held: 0,
    hashed_files: hashed ? 2 : 0,
    hashed_bytes: hashed ? 5 : 0,
    present: 2,
    skipped: [],
    skipped_changed: false,
    case_collisions: [],
    new_case_collisions: [],
    unportable: [],
    links_out: [],
    ignored_kept: 0,
    ignored_kept_changed: false,
  };
}

Deno.test("folder add --json prints the id, name, path and the first scan's report", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  const out = await h.json(
    ["--no-sync", "folder", "add", docs, "--id", "docs", "--name", "My docs", "--json"],
  );
  assert.deepEqual(out, {
    id: "docs",
    name: "My docs",
    path: docs,
    scan: scanOf(2, true, "My docs"),
  });
});

Deno.test("folder remove --json prints the id, name and the path whose files stay", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs", "--name", "My docs"]);
  const out = await h.json(["--no-sync", "folder", "remove", "docs", "--json"]);
  // The name as `folder add --json` gives it and the text says it ("Stopped
  // syncing My docs (docs) here"); it was left out.
  assert.deepEqual(out, { id: "docs", name: "My docs", path: docs });
  assert.equal(await Deno.readTextFile(join(docs, "a.txt")), "a\n");
});

Deno.test("folder join --json prints the id, name, path and the first scan's report", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  const out = await h.json<
    { id: string; name: string; path: string; scan: Record<string, unknown> }
  >(["--no-sync", "folder", "join", "docs", docs, "--json"]);
  assert.deepEqual(Object.keys(out).sort(), ["id", "name", "path", "scan"]);
  assert.equal(out.id, "docs");
  assert.equal(out.name, "docs");
  assert.equal(out.path, docs);
  // The same report as a share's scan; what it hashed again is the index's business.
  const expected = scanOf(0, false);
  assert.deepEqual(Object.keys(out.scan).sort(), Object.keys(expected).sort());
  for (const k of ["folder", "name", "held", "present", "skipped", "case_collisions"] as const) {
    assert.deepEqual(out.scan[k], expected[k], k);
  }
});

Deno.test("folder move --json prints the id, name, both paths and the scan's report", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs", "--name", "My docs"]);
  const moved = `${docs}-moved`;
  await Deno.rename(docs, moved);
  const out = await h.json<Record<string, unknown>>(
    ["--no-sync", "folder", "move", "docs", moved, "--json"],
  );
  assert.deepEqual(Object.keys(out).sort(), ["id", "moved", "name", "path", "scan", "was"]);
  assert.deepEqual([out.id, out.name, out.path, out.was, out.moved], [
    "docs",
    "My docs",
    moved,
    docs,
    true,
  ]);
});

Deno.test("folder restore --json prints the path, the version, when it was kept, whether it is published and where the file it replaced went; --version takes a kept time", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (const [day, body] of [[1, "first\n"], [2, "second\n"]] as const) {
    const kept = join(docs, versionPathFor("a.txt", Date.UTC(2026, 10, day)));
    await Deno.mkdir(join(kept, ".."), { recursive: true });
    await Deno.writeTextFile(kept, body);
  }
  const out = await h.json(
    ["--no-sync", "folder", "restore", join(docs, "a.txt"), "--version", "2", "--json"],
  );
  const { replaced_kept_as: keptAs, ...rest } = out as Record<string, unknown>;
  assert.deepEqual(rest, {
    path: "a.txt",
    version: 2,
    kept: "2026-11-01T00:00:00.000Z",
    restored: true,
    published: true,
    published_over: [],
    // A kept copy: not copied from where a swap put its content (swap_versions_test).
    copied_from: null,
  });
  assert.match(String(keptAs), /^\.mycel\/versions\/a~\d{8}-\d{6}-\d{3}\.txt$/);
  assert.equal(
    await Deno.readTextFile(join(docs, keptAs as string)),
    "a\n",
    "the file it replaced",
  );
  assert.equal(await Deno.readTextFile(join(docs, "a.txt")), "first\n");
  // By the time it was kept: the same version whatever was kept since.
  const byTime = await h.json<{ version: number }>(
    [
      "--no-sync",
      "folder",
      "restore",
      join(docs, "a.txt"),
      "--version",
      "2026-11-02T00:00:00.000Z",
      "--json",
    ],
  );
  assert.equal(await Deno.readTextFile(join(docs, "a.txt")), "second\n");
  assert.equal(byTime.version, 2, "newest first: the restore before kept one more");
  const none = await h.run(
    [
      "--no-sync",
      "folder",
      "restore",
      join(docs, "a.txt"),
      "--version",
      "2026-01-01T00:00:00.000Z",
    ],
  );
  assert.equal(none.code, 2);
  assert.match(
    none.stderr,
    /Cannot restore file: no version was kept at that time \(2026-01-01T00:00:00\.000Z\)/,
  );
});

Deno.test("folder scan --json of a stopped folder: its report on stdout, the JSON error on stderr, exit 1", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await Deno.remove(join(docs, ".mycel-folder"));
  const r = await h.run(["folder", "scan", "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const reports = JSON.parse(r.stdout);
  assert.equal(reports.length, 1);
  assert.match(reports[0].stopped, /marker missing/);
  const e = JSON.parse(r.stderr).error;
  assert.equal(e.code, "folder_stopped");
  assert.match(e.message, /^Cannot scan folder docs: folder stopped: marker missing/);
  assert.match(e.hint, /mycel folder move docs NEWPATH/);
  // Without --json the same words, and the hint.
  const plain = await h.run(["folder", "scan"]);
  assert.equal(plain.code, 1);
  assert.match(
    plain.stderr,
    /^folder docs at \S+ stopped: marker missing.*\nhint: If it moved: `mycel folder move docs NEWPATH`/m,
  );
});

/** Every key of `value`, however deep (arrays looked into). */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

Deno.test("every folder command's --json keys are snake_case, as the rest of the CLI's", async () => {
  await using h = await tempHome();
  const docs = await twoFiles(h);
  const kept = join(docs, versionPathFor("a.txt", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, "old\n");
  const moved = `${docs}-moved`;
  const outputs: [string, unknown][] = [];
  const run = async (args: string[]) => {
    outputs.push([args.join(" "), await h.json(["--no-sync", ...args, "--json"])]);
  };
  await run(["folder", "add", docs, "--id", "docs"]);
  for (const args of [["list"], ["status"], ["conflicts"], ["scan"]]) {
    await run(["folder", ...args]);
  }
  await run(["folder", "versions", join(docs, "a.txt")]);
  await run(["folder", "override", "docs", "--dry-run"]);
  await run(["folder", "restore", join(docs, "a.txt")]);
  await Deno.rename(docs, moved);
  await run(["folder", "move", "docs", moved]);
  await run(["folder", "remove", "docs"]);
  await run(["folder", "join", "docs", moved]);
  for (const [what, out] of outputs) {
    const bad = keysOf(out).filter((k) => !/^[a-z][a-z0-9_]*$/.test(k));
    assert.deepEqual(bad, [], `${what}: ${JSON.stringify(out)}`);
  }
  assert.equal(outputs.length, 11);
});
