/**
 * @module folders_bad_input_test
 * Folder commands given what they can't use: a bad or empty id or name, a
 * folder that does not exist, an id already shared or already joined, an
 * id no device shared, a path outside every folder or the folder itself,
 * a file name mycel never syncs, a path starting with `~` that no shell
 * expanded, an empty path (an unset variable). Each gets its named error (the `code` of `--json`), a message on
 * standard error starting with `error: Cannot`, exit 2, nothing on standard
 * output, and changes nothing: the same `folder list --json`, state digest
 * and log, and no file or folder made (real processes, one device).
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { safeText } from "../../src/text_safety.ts";
import { describe, type StatusJson, type TempHome, tempHome } from "../helpers/mycel.ts";

interface Case {
  /** What is wrong. */
  name: string;
  /**
   * argv after `--no-sync`, given the folder synced here (`docs`), a folder
   * not synced (`other`) and the folder `gone` shared and then removed here
   * (an offer to join). Run in `dir` unless `cwd` says otherwise.
   */
  args: (at: { docs: string; other: string; dir: string }) => string[];
  /** The working folder (default `dir`). */
  cwd?: (at: { docs: string; other: string; dir: string }) => string;
  /** The error's `code`. */
  code: string;
  /** What standard error says (the plain run). */
  says: RegExp;
}

const CASES: Case[] = [
  {
    name: "folder add with an id that climbs out",
    args: ({ other }) => ["folder", "add", other, "--id", "../x"],
    code: "usage",
    says: /^error: Cannot use folder id: a folder id is 1–64 letters, .* \(\.\.\/x\)\n/,
  },
  {
    name: "folder add with an empty id",
    args: ({ other }) => ["folder", "add", other, "--id", ""],
    code: "usage",
    says: /^error: Cannot use folder id: a folder id is 1–64 letters, .* \(""\)\n/,
  },
  {
    name: "folder add with an empty name",
    args: ({ other }) => ["folder", "add", other, "--name", ""],
    code: "bad_input",
    says: /^error: Cannot use folder name: it is empty \(""\)\n/,
  },
  {
    // The name comes from the path when --name is not given: the user typed
    // no name, so the error says how to give one (before, no hint at all).
    name: "folder add of a folder whose own name holds a control character, no --name",
    args: ({ dir }) => ["folder", "add", join(dir, "tab\there")],
    code: "bad_input",
    says:
      /^error: Cannot use folder name: it contains a control character \("tab\\there"\)\nhint: The name to show comes from the folder's own name unless given: give one with --name NAME\.\n/,
  },
  {
    name: "folder add of a folder that does not exist",
    args: ({ dir }) => ["folder", "add", join(dir, "missing")],
    code: "bad_folder",
    says:
      /^error: Cannot share folder: it does not exist \(.*\/missing\)\nhint: Check the path, or make the folder first/,
  },
  {
    name: "folder add of a file",
    args: ({ other }) => ["folder", "add", join(other, "a.txt")],
    code: "bad_folder",
    says:
      /^error: Cannot use folder: it is not a folder \(.*\/other\/a\.txt\)\nhint: mycel syncs whole folders/,
  },
  // Paths that can't be looked up: named errors, not "internal error" (found by a review helper).
  {
    name: "folder add under a file",
    args: ({ docs }) => ["folder", "add", join(docs, "a.txt", "sub")],
    code: "bad_folder",
    says:
      /^error: Cannot share folder: a part of its path is a file, not a folder \(.*a\.txt\/sub\)\n/,
  },
  {
    name: "folder add with a name too long",
    args: ({ dir }) => ["folder", "add", join(dir, "d".repeat(300)), "--name", "long"],
    code: "bad_folder",
    says: /^error: Cannot share folder: the path, or a name in it, is too long \(/,
  },
  {
    name: "folder add of a file system that takes no files",
    args: () => ["folder", "add", "/proc"],
    code: "bad_folder",
    says:
      /^error: Cannot share folder: its marker \.mycel-folder could not be made there \(\/proc\)\n/,
  },
  {
    name: "folder move to a path under a file",
    args: ({ docs }) => ["folder", "move", "docs", join(docs, "a.txt", "sub")],
    code: "bad_folder",
    says: /^error: Cannot move folder: a part of its path is a file, not a folder \(/,
  },
  {
    // Synced here: where, not "Join it with `mycel folder join`", which join refuses.
    name: "folder add with the id of a folder synced here",
    args: ({ other }) => ["folder", "add", other, "--id", "docs"],
    code: "already_shared",
    says:
      /^error: Cannot share folder: this device shares it already, at .*\/docs \(docs\)\nhint: Its files go out with the next scan: `mycel folder scan docs` \(or `mycel sync now`\)\. To share another folder, pick another --id\./,
  },
  {
    name: "folder add with an id shared, not synced here",
    args: ({ other }) => ["folder", "add", other, "--id", "gone"],
    code: "already_shared",
    says:
      /^error: Cannot share folder: a folder with this id is already shared \(gone\)\nhint: Join it with `mycel folder join gone PATH`, or pick another --id\./,
  },
  {
    // It said "another folder is synced there" of the very same folder.
    name: "folder add of the folder synced here already",
    args: ({ docs }) => ["folder", "add", `${docs}/`],
    code: "already_shared",
    says:
      /^error: Cannot share folder: folder docs is synced there already \(.*\/docs\)\nhint: One place syncs one folder/,
  },
  {
    name: "folder join of an id no device shared",
    args: ({ dir }) => ["folder", "join", "nosuch", join(dir, "joined")],
    code: "unknown_folder",
    says:
      /^error: Cannot join folder: no folder with this id is shared in the mesh \(nosuch\)\nhint: Run `mycel sync now`/,
  },
  {
    name: "folder join of a folder this device already syncs",
    args: ({ dir }) => ["folder", "join", "docs", join(dir, "joined")],
    code: "already_joined",
    says:
      /^error: Cannot join folder: this device already syncs it \(docs at .*\/docs\)\nhint: If you moved it: `mycel folder move docs NEWPATH`/,
  },
  {
    name: "folder status of an id no device shared",
    args: () => ["folder", "status", "nosuch"],
    code: "unknown_folder",
    says: /^error: Cannot show folder: no folder with this id is shared \(nosuch\)\nhint: /,
  },
  {
    name: "folder conflicts of an id no device shared",
    args: () => ["folder", "conflicts", "nosuch"],
    code: "unknown_folder",
    says: /^error: Cannot show folder: no folder with this id is shared \(nosuch\)\nhint: /,
  },
  {
    name: "folder versions of a path outside every folder",
    args: ({ other }) => ["folder", "versions", join(other, "a.txt")],
    code: "not_in_folder",
    says:
      /^error: Cannot find file: it is not inside a folder synced here \(.*\/other\/a\.txt\)\nhint: See `mycel folder list`/,
  },
  {
    name: "folder restore of the folder itself",
    args: ({ docs }) => ["folder", "restore", docs],
    code: "not_in_folder",
    says:
      /^error: Cannot find file: it is the synced folder docs itself, not a file in it \(.*\/docs\)\nhint: Give the path of a file inside it\./,
  },
  // Found by an audit of the folder commands (issue 13): these failed with
  // exit 1 and "Cannot accept path" (a hint about relative paths), gave a
  // hint to paste with the path unquoted, showed an empty id as "()", or
  // made a folder named "~" in the working folder.
  {
    name: "folder versions of mycel's own marker file",
    args: ({ docs }) => ["folder", "versions", join(docs, ".mycel-folder")],
    code: "not_synced",
    says:
      /^error: Cannot find file: mycel does not sync it, as it is one of mycel's own files \(.*\/docs\/\.mycel-folder\)\nhint: Only files folder docs syncs have kept versions/,
  },
  {
    name: "folder restore of a name with a control character",
    args: ({ docs }) => ["folder", "restore", join(docs, "e\x1b[31m.txt")],
    code: "not_synced",
    says:
      /^error: Cannot find file: mycel does not sync it, as it contains a control character \(.*\/docs\/e\\x1b\[31m\.txt\)\n/,
  },
  {
    name: "folder restore of --version 0 of a path with a space",
    args: ({ docs }) => ["folder", "restore", join(docs, "my notes.txt"), "--version", "0"],
    code: "bad_version",
    says:
      /^error: Cannot restore file: --version takes a number from 1 \(0\)\nhint: See `mycel folder versions '.*\/docs\/my notes\.txt'` for the numbers\.\n/,
  },
  {
    // It printed mycel's version and exited 0, running nothing.
    name: "folder versions with --version N (a flag of folder restore)",
    args: ({ docs }) => ["folder", "versions", join(docs, "a.txt"), "--version", "2"],
    code: "usage",
    says:
      /^error: Cannot run mycel folder versions: unknown flag \(--version\)\nhint: It takes no --version \(mycel folder restore does\)/,
  },
  {
    name: "folder status of an empty id",
    args: () => ["folder", "status", ""],
    code: "usage",
    says: /^error: Cannot use folder id: a folder id is 1–64 letters, .* \(""\)\n/,
  },
  {
    name: "folder conflicts of an id with a space",
    args: () => ["folder", "conflicts", "my docs"],
    code: "usage",
    says: /^error: Cannot use folder id: a folder id is 1–64 letters, .* \(my docs\)\n/,
  },
  {
    name: "folder join into a path starting with ~ (no shell expanded it)",
    args: () => ["folder", "join", "gone", "~/joined"],
    code: "bad_folder",
    says:
      /^error: Cannot join folder: mycel does not expand ~ \(only a shell does\) \(~\/joined\)\nhint: Give the full path, such as \$HOME\/joined /,
  },
  {
    // An unset variable in a script: it joined the working folder, publishing its files.
    name: "folder join into an empty path, in a folder not synced",
    args: () => ["folder", "join", "gone", ""],
    cwd: ({ other }) => other,
    code: "bad_folder",
    says:
      /^error: Cannot join folder: the path is empty \(""\)\nhint: Give the path \(a variable not set gives an empty one/,
  },
  {
    name: "folder add of an empty path",
    args: () => ["folder", "add", ""],
    code: "bad_folder",
    says: /^error: Cannot share folder: the path is empty \(""\)\n/,
  },
  {
    name: "folder versions of an empty path, in the synced folder",
    args: () => ["folder", "versions", ""],
    cwd: ({ docs }) => docs,
    code: "bad_folder",
    says: /^error: Cannot find file: the path is empty \(""\)\n/,
  },
  {
    name: "folder override of an empty path",
    args: () => ["folder", "override", "docs", "", "--dry-run"],
    code: "bad_path",
    says: /^error: Cannot override folder: a path must be inside the folder: it is empty \(""\)\n/,
  },
  {
    name: "folder add of a path starting with ~",
    args: () => ["folder", "add", "~"],
    code: "bad_folder",
    says: /^error: Cannot share folder: mycel does not expand ~ \(only a shell does\) \(~\)\n/,
  },
  {
    name: "folder move to a path starting with ~",
    args: () => ["folder", "move", "docs", "~/docs"],
    code: "bad_folder",
    says: /^error: Cannot move folder: mycel does not expand ~ \(only a shell does\) \(~\/docs\)\n/,
  },
];

/** Every path under `dir` but the home's, with its size (files) or a slash (folders). */
async function tree(dir: string, home: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string) => {
    for await (const e of Deno.readDir(at)) {
      const p = join(at, e.name);
      if (p === home) continue;
      if (e.isDirectory) {
        out.push(`${relative(dir, p)}/`);
        await walk(p);
      } else out.push(`${relative(dir, p)} ${(await Deno.lstat(p)).size}`);
    }
  };
  await walk(dir);
  return out.sort();
}

/** What a failed command must leave as it was. */
async function state(h: TempHome) {
  const status = await h.json<StatusJson>(["--no-sync", "status", "--json"]);
  return {
    folders: (await h.ok(["--no-sync", "folder", "list", "--json"])).stdout,
    digest: status.state_digest,
    log: status.log,
    files: await tree(h.dir, h.home),
  };
}

Deno.test("folder commands refuse bad input with a named error and exit 2, changing nothing", async (t) => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const at = { docs: h.path("docs"), other: h.path("other"), dir: h.dir };
  await Deno.mkdir(at.docs);
  await Deno.writeTextFile(join(at.docs, "a.txt"), "a\n");
  await Deno.mkdir(at.other);
  await Deno.writeTextFile(join(at.other, "a.txt"), "other\n");
  await h.ok(["--no-sync", "folder", "add", at.docs, "--id", "docs"]);
  await Deno.mkdir(h.path("gone"));
  await h.ok(["--no-sync", "folder", "add", h.path("gone"), "--id", "gone"]);
  await h.ok(["--no-sync", "folder", "remove", "gone"]);
  const before = await state(h);
  for (const c of CASES) {
    await t.step(c.name, async () => {
      const args = ["--no-sync", ...c.args(at)];
      const cwd = c.cwd?.(at) ?? h.dir;
      const r = await h.run(args, { cwd });
      const what = describe(args, r);
      assert.equal(r.code, 2, what);
      assert.match(r.stderr, c.says, what);
      assert.equal(r.stdout, "", what);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, what);

      const jsonArgs = [...args, "--json"];
      const j = await h.run(jsonArgs, { cwd });
      assert.equal(j.code, 2, describe(jsonArgs, j));
      assert.equal(j.stdout, "", describe(jsonArgs, j));
      const error = JSON.parse(j.stderr).error;
      assert.equal(error.code, c.code, describe(jsonArgs, j));
      // The same message (printed through the text-safety check: escapes shown).
      assert.equal(`error: ${safeText(error.message)}\n`, r.stderr.split(/(?<=\n)/)[0]);

      assert.deepEqual(await state(h), before, `changed by: ${what}`);
    });
  }
});
