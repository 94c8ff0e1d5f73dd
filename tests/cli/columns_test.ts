/**
 * @module columns_test
 * `mycel log` and `mycel pattern list` line their columns up as `mesh list`
 * does: by terminal columns (src/display_width.ts), so names and ids of
 * different lengths, sequence numbers of different digits and CJK text (two
 * columns a character) leave every row's last column at one place. Real
 * processes; two devices synced over loopback for a log of two authors.
 */

import assert from "node:assert/strict";
import { displayWidth } from "../../src/display_width.ts";
import { tempHome } from "../helpers/mycel.ts";
import { devices } from "../sync/_helpers.ts";

/** The terminal column where `field` starts in `line`. */
function columnOf(line: string, field: string): number {
  const at = line.indexOf(field);
  assert.ok(at >= 0, `${JSON.stringify(field)} in ${JSON.stringify(line)}`);
  return displayWidth(line.slice(0, at));
}

Deno.test("log: the change column starts at one place for every author and sequence number", async () => {
  await using devs = await devices(["laptop", "机器"]);
  const [laptop, cjk] = devs.list;
  await devs.peer(laptop, cjk);
  // Entries up to #10 on laptop (1 to 2 digits), a few on the CJK-named device.
  for (let i = 0; i < 8; i++) await laptop.write("pref", "set", `k${i}`, "v");
  await cjk.write("config", "set", "editor.size", "12");
  await cjk.serve();
  await laptop.syncNow();
  const lines = (await laptop.ok(["log"])).stdout.trimEnd().split("\n");
  const changes = lines.map((l) =>
    columnOf(l, / {2}(pref|config|device|mesh) /.exec(l)?.[0].slice(2) ?? "?")
  );
  assert.ok(lines.some((l) => / 机器#\d /.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => / laptop#10 /.test(l)), lines.join("\n"));
  assert.equal(new Set(changes).size, 1, `not aligned:\n${lines.join("\n")}`);
});

Deno.test("pattern list: ids of any width, CJK too, and the patterns in one column under a header", async () => {
  await using h = await tempHome();
  await h.ok(["--no-sync", "init", "--name", "box"]);
  for (const id of ["p", "日本語", "a-much-longer-id"]) {
    await h.ok(["--no-sync", "pattern", "add", JSON.stringify({ id, text: "hi" })]);
  }
  const lines = (await h.ok(["pattern", "list"])).stdout.trimEnd().split("\n");
  assert.match(lines[0], /^ID +PATTERN$/);
  const starts = [columnOf(lines[0], "PATTERN"), ...lines.slice(1).map((l) => columnOf(l, "{"))];
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.equal(new Set(starts).size, 1, `not aligned:\n${lines.join("\n")}`);
});
