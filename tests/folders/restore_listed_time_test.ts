/**
 * @module restore_listed_time_test
 * `folder restore --version TIME` takes the time as `folder versions`
 * lists it ("2026-11-02 00:00:00 +00:00", local time to the second), not
 * only the `kept` of its `--json`: a user copies what the list shows. A
 * second in which two versions were kept names neither, and says how to
 * pick one. Before, the listed time was refused ("--version takes a time
 * as `kept` of `folder versions --json` prints it"). Real process, one
 * device, kept copies made with known times.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, tempHome } from "../helpers/mycel.ts";

Deno.test("folder restore --version takes a time as folder versions lists it", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "a.txt"), "now\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  const keep = async (at: number, body: string) => {
    const p = join(docs, versionPathFor("a.txt", at));
    await Deno.mkdir(join(p, ".."), { recursive: true });
    await Deno.writeTextFile(p, body);
  };
  await keep(Date.UTC(2026, 10, 1, 8, 0, 0, 250), "first\n");
  await keep(Date.UTC(2026, 10, 2, 9, 30, 5, 100), "second a\n");
  await keep(Date.UTC(2026, 10, 2, 9, 30, 5, 900), "second b\n");
  const env = { TZ: "UTC" };

  const listed = await h.ok(["folder", "versions", join(docs, "a.txt")], { env });
  assert.match(listed.stdout, /^3 {2}2026-11-01 08:00:00 \+00:00 /m, listed.stdout);
  const args = ["--no-sync", "folder", "restore", join(docs, "a.txt")];
  const r = await h.run([...args, "--version", "2026-11-01 08:00:00 +00:00"], { env });
  assert.equal(r.code, 0, describe(args, r));
  assert.equal(await Deno.readTextFile(join(docs, "a.txt")), "first\n");
  // The same instant written in another offset names the same version.
  const other = await h.run([...args, "--version", "2026-11-01 10:00:00 +02:00", "--json"], {
    env,
  });
  assert.equal(other.code, 0, describe(args, other));
  assert.equal(JSON.parse(other.stdout).kept, "2026-11-01T08:00:00.250Z");

  // Two versions kept in that second: neither is guessed.
  const two = await h.run([...args, "--version", "2026-11-02 09:30:05 +00:00"], { env });
  assert.equal(two.code, 2, describe(args, two));
  assert.match(
    two.stderr,
    /^error: Cannot restore file: 2 versions were kept in that second \(2026-11-02 09:30:05 \+00:00\)\nhint: Give its number, or its `kept` time from `mycel folder versions \S+ --json`\.\n$/,
  );
  const none = await h.run([...args, "--version", "2026-11-03 00:00:00 +00:00"], { env });
  assert.equal(none.code, 2, describe(args, none));
  assert.match(none.stderr, /no version was kept at that time \(2026-11-03 00:00:00 \+00:00\)/);
});
