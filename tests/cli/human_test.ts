/**
 * @module human_test
 * The one helper for counts and times (src/human.ts) and the one table
 * helper (src/cli/text_table.ts): plurals, local time with its UTC offset
 * (checked under a fixed TZ in a child process), relative times, and
 * aligned single-line cells that hostile text cannot break.
 */

import assert from "node:assert/strict";
import { orList } from "../../src/errors.ts";
import { ago, duration, localTime, plural } from "../../src/human.ts";
import { renderText } from "../../src/cli/output.ts";
import { renderTable } from "../../src/cli/text_table.ts";
import { runProcess } from "../helpers/process.ts";

Deno.test("orList: choices as a person lists them (a, b or c)", () => {
  assert.equal(orList(["json", "toml"]), "json or toml");
  assert.equal(orList([16, 20, 40]), "16, 20 or 40");
  assert.equal(orList(["only"]), "only");
  assert.equal(orList([]), "");
});

Deno.test("plural: 1 entry, 2 entries, 0 peers", () => {
  assert.equal(plural(1, "entry", "entries"), "1 entry");
  assert.equal(plural(2, "entry", "entries"), "2 entries");
  assert.equal(plural(0, "peer"), "0 peers");
  assert.equal(plural(1, "peer"), "1 peer");
});

Deno.test("ago and duration: the largest sensible unit, past and future", () => {
  const now = 1_000_000_000_000;
  assert.equal(ago(undefined, now), "never");
  assert.equal(ago(0, now), "never");
  assert.equal(ago(now - 300, now), "just now");
  assert.equal(ago(now - 45_000, now), "45s ago");
  assert.equal(ago(now - 3 * 60_000, now), "3m ago");
  assert.equal(ago(now - 5 * 3_600_000, now), "5h ago");
  assert.equal(ago(now - 9 * 86_400_000, now), "9d ago");
  assert.equal(ago(now + 25_000, now), "in 25s");
  assert.equal(duration(119_000), "119s");
  assert.equal(duration(365 * 86_400_000), "365d");
  assert.equal(duration(3 * 365 * 86_400_000), "3y");
});

Deno.test("localTime is local time with its UTC offset (TZ=Asia/Kolkata, TZ=UTC)", async () => {
  const code = `import { localTime } from ${
    JSON.stringify(new URL("../../src/human.ts", import.meta.url).href)
  };
console.log(localTime(Date.UTC(2025, 0, 31, 22, 5, 9)));
console.log(localTime(Date.UTC(2025, 0, 31, 22, 5, 9), Date.UTC(2025, 0, 31, 23, 0, 0)));`;
  const expected: Record<string, string> = {
    "Asia/Kolkata": "2025-02-01 03:35:09 +05:30\n03:35:09 +05:30\n",
    "UTC": "2025-01-31 22:05:09 +00:00\n22:05:09 +00:00\n",
  };
  for (const [tz, want] of Object.entries(expected)) {
    const r = await runProcess(Deno.execPath(), ["eval", code], { env: { TZ: tz } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, want, tz);
  }
  assert.match(localTime(Date.now()), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
});

Deno.test("renderTable aligns columns, escapes hostile cells and cuts long ones", () => {
  const lines = renderTable(
    [{ header: "name", max: 8 }, { header: "n", right: true }, { header: "state" }],
    [
      ["laptop", "3", { text: "ok", tone: "green" }],
      ["a\nfake row\u202e", "12", "never synced"],
      ["averyverylongname", "0", "x"],
    ],
  ).map((l) => renderText(l, false));
  assert.deepEqual(lines, [
    "NAME       N  STATE",
    "laptop     3  ok",
    "a\\nfake…  12  never synced",
    "averyve…   0  x",
  ]);
  // Colour only as tones.
  const coloured = renderText(
    renderTable([{ header: "s" }], [[{ text: "ok", tone: "green" }]])[1],
    true,
  );
  assert.equal(coloured, "\x1b[32mok\x1b[0m");
});
