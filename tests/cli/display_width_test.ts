/**
 * @module display_width_test
 * Terminal columns (src/display_width.ts) and what uses them: the progress
 * line fitter (`fitLine`, src/cli/output.ts) and the table printer
 * (src/cli/text_table.ts). CJK and fullwidth characters take two columns,
 * combining marks and zero-width characters none; a fitted line never
 * takes more columns than it is given, whatever the text (fast-check), and
 * is never cut inside a surrogate pair.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { cutToWidth, displayWidth } from "../../src/display_width.ts";
import { fitLine, renderText } from "../../src/cli/output.ts";
import { renderTable } from "../../src/cli/text_table.ts";

Deno.test("displayWidth: CJK and fullwidth 2 a character, marks and zero-width characters 0", () => {
  const cases: [string, number][] = [
    ["", 0],
    ["photos", 6],
    ["日本語", 6],
    ["ファイル", 8],
    ["한국어", 6],
    ["ＡＢＣ", 6], // fullwidth Latin
    ["e\u0301", 1], // e and a combining acute
    ["a\u20dd", 1], // an enclosing mark
    ["a\u200bb\u200dc\u2060d\ufeff", 4], // ZWSP, ZWJ, word joiner, BOM
    ["\u2764\ufe0f", 2], // VS16: drawn as an emoji (terminals differ; wider is safer to fit)
    ["\u2764\ufe0e", 1], // VS15: drawn as text
    ["👩\u200d💻", 4], // a ZWJ sequence: its parts (some terminals draw each)
    ["👨\u200d👩\u200d👧\u200d👦", 8],
    ["👍🏽", 4], // a skin tone: its parts too
    ["1\ufe0f\u20e3", 2], // a keycap: one picture
    ["🇫🇷🇯🇵", 4], // two flags, two regional indicators each
    ["b\u200dc", 2], // a ZWJ between letters glues nothing
    ["\u1100\u1161\u11a8", 2], // Hangul jamo: one syllable
    ["😀", 2],
    ["\u00ad", 1], // a soft hyphen is drawn
    ["résumé.txt", 10],
  ];
  for (const [text, width] of cases) assert.equal(displayWidth(text), width, JSON.stringify(text));
});

Deno.test("cutToWidth keeps marks with their letter and leaves out a wide character that straddles", () => {
  assert.equal(cutToWidth("日本語", 5), "日本");
  assert.equal(cutToWidth("日本語", 4), "日本");
  assert.equal(cutToWidth("e\u0301e\u0301e\u0301", 2), "e\u0301e\u0301");
  assert.equal(cutToWidth("😀😀", 3), "😀");
  assert.equal(cutToWidth("😀", 1), "");
  assert.equal(cutToWidth("abc", 0), "");
  // A ZWJ sequence, a skin tone, a keycap or a flag is never cut in two.
  assert.equal(cutToWidth("a👩\u200d💻b", 4), "a");
  assert.equal(cutToWidth("a👩\u200d💻b", 5), "a👩\u200d💻");
  assert.equal(cutToWidth("👍🏽👍🏽", 3), "", "a skin tone is not cut off its hand");
  assert.equal(cutToWidth("x1\ufe0f\u20e3", 2), "x");
  assert.equal(cutToWidth("🇫🇷🇯🇵", 3), "🇫🇷");
});

Deno.test("fitLine cuts a CJK line by columns, so it no longer wraps", () => {
  const line = "写真フォルダ: 12 files, 3.4 MB of 10 MB";
  assert.equal(displayWidth(line), 39);
  const fitted = fitLine(line, 20);
  assert.equal(fitted, "写真フォルダ: 12 …");
  assert.ok(displayWidth(fitted) <= 19);
  // An odd room: the wide character that would straddle the limit is left out.
  assert.equal(fitLine("日本語のファイル名.txt", 9), "日本語…");
  // Too narrow for the ellipsis: cut bare.
  assert.equal(fitLine("abcdef", 3), "ab");
  // Text that fits in columns is kept, however many code points it has.
  const marks = "e\u0301".repeat(10);
  assert.equal(fitLine(marks, 11), marks);
  assert.equal(fitLine("a\u200b".repeat(30), 31), "a\u200b".repeat(30));
});

Deno.test("fitLine: the fitted line takes at most the columns given, never splitting a character", () => {
  const char = fc.oneof(
    fc.constantFrom("日", "ア", "한", "Ａ", "😀", "\u0301", "\u20dd", "\u200b", "\u200d", "\ufe0f"),
    fc.constantFrom("a", " ", "…", "é", "\u1161", "\u{20000}"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  );
  fc.assert(
    fc.property(fc.string({ unit: char, maxLength: 60 }), fc.integer({ min: 1, max: 50 }), (
      text,
      w,
    ) => {
      const out = fitLine(text, w);
      const room = Math.max(1, w - 1);
      if (displayWidth(text) <= room) assert.equal(out, text);
      else if (room < 3) assert.ok(text.startsWith(out) && displayWidth(out) <= room);
      else {
        // The ellipsis fits even where a CJK terminal draws it two columns wide.
        assert.ok(out.endsWith("…"));
        const cut = out.slice(0, -1);
        assert.ok(text.startsWith(cut));
        assert.ok(displayWidth(cut) + 2 <= room, `${JSON.stringify(out)} in ${w} columns`);
      }
      // A well-formed text stays well-formed: no surrogate pair is split.
      if (text.isWellFormed()) assert.ok(out.isWellFormed(), JSON.stringify(out));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("renderTable lines up CJK names and names with combining marks by columns", () => {
  const lines = renderTable(
    [{ header: "name" }, { header: "path", max: 8 }, { header: "state" }],
    [
      ["laptop", "~/docs", "ok"],
      ["写真", "~/写真フォルダ", "ok"],
      ["cafe\u0301", "~/x", "ok"],
    ],
  ).map((l) => renderText(l, false));
  assert.deepEqual(lines, [
    "NAME    PATH     STATE",
    "laptop  ~/docs   ok",
    "写真    ~/写真…  ok",
    "cafe\u0301    ~/x      ok",
  ]);
  // Each row's last column starts at the same terminal column.
  const at = lines.map((l) => displayWidth(l.slice(0, l.search(/(STATE|ok)$/))));
  assert.equal(new Set(at).size, 1, lines.join("\n"));
});
