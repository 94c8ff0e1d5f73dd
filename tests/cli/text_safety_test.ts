/**
 * @module text_safety_test
 * The one check on text bound for a terminal (src/text_safety.ts), and the
 * output writers that apply it: no C0 control (newline only in multi-line
 * text), DEL, C1 control, bidirectional control or lone surrogate comes out
 * raw, whatever goes in; safe text comes out unchanged; the escapes are
 * visible; JSON and TOML keep their meaning with the \u escapes added.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { parse as parseToml, stringify as tomlStringify } from "smol-toml";
import { captureOutput } from "../../src/cli/output.ts";
import {
  escapeInQuotedText,
  hasUnsafeText,
  isUnsafeCodePoint,
  quotedText,
  safeJson,
  safeText,
  unprintableIn,
} from "../../src/text_safety.ts";

/** Code points a hostile peer would pick, mixed into ordinary text by the properties. */
const HOSTILE = [
  0x00,
  0x07,
  0x08,
  0x09,
  0x0a,
  0x0d,
  0x1b,
  0x7f,
  0x85,
  0x9b,
  0x9d,
  0x061c,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  0x202a,
  0x202e,
  0x2066,
  0x2069,
];

const hostileText = fc.array(
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 4 }),
    fc.constantFrom(...HOSTILE.map((c) => String.fromCodePoint(c))),
    fc.constantFrom("\ud800", "\udfff", "\x1b[2J", "\u009b31m", "é", "漢字", "🙂"),
  ),
  { maxLength: 12 },
).map((parts) => parts.join(""));

function unsafeIn(text: string, multiline: boolean): number[] {
  const found: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (isUnsafeCodePoint(cp) && !(multiline && cp === 0x0a)) found.push(cp);
  }
  return found;
}

Deno.test("safeText leaves no unsafe code point raw, single-line or multi-line", () => {
  fc.assert(
    fc.property(hostileText, fc.boolean(), (text, multiline) => {
      const out = safeText(text, { multiline });
      assert.deepEqual(unsafeIn(out, multiline), [], JSON.stringify(out));
      assert.equal(hasUnsafeText(out, { multiline }), false);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("safeText returns safe text unchanged and is idempotent", () => {
  fc.assert(
    fc.property(hostileText, (text) => {
      const once = safeText(text);
      assert.equal(safeText(once), once);
      if (!hasUnsafeText(text)) assert.equal(once, text);
    }),
    { numRuns: 1000 },
  );
  for (const ok of ["laptop", "Iosevka 12", "漢字 ✓ 🙂", "C:\\path", "a\\x1b literal"]) {
    assert.equal(safeText(ok), ok);
  }
});

Deno.test("safeText escapes visibly: \\x1b, \\n, \\u009b, \\u202e, lone surrogates", () => {
  assert.equal(safeText("a\x1b[31mb"), "a\\x1b[31mb");
  assert.equal(safeText("x\u009b2Jy"), "x\\u009b2Jy");
  assert.equal(safeText("\u202etxt.exe"), "\\u202etxt.exe");
  assert.equal(safeText("l1\nl2\tx\r"), "l1\\nl2\\tx\\r");
  assert.equal(safeText("l1\nl2", { multiline: true }), "l1\nl2");
  assert.equal(safeText("bad\ud800"), "bad\\ud800");
  assert.equal(safeText("\x7f\u2066\u2069\u061c\u200f"), "\\x7f\\u2066\\u2069\\u061c\\u200f");
  // A paired surrogate is one ordinary code point.
  assert.equal(safeText("🙂"), "🙂");
});

Deno.test("unprintableIn names the first invisible or unsafe code point of a typed name, and lets joined emoji and Persian through", () => {
  assert.equal(unprintableIn("gam\u200bma"), "\\u200b");
  assert.equal(unprintableIn("fire\u202efox"), "\\u202e");
  for (const cp of [0x00ad, 0x2060, 0xfeff, 0x3164, 0x1b]) {
    assert.notEqual(unprintableIn(`a${String.fromCodePoint(cp)}b`), undefined, `${cp}`);
  }
  for (
    const ok of [
      "Anna's desk",
      "gamma",
      "👨\u200d👩\u200d👧",
      "می\u200cخواهم",
      "🏴\u{e0067}\u{e0062}\u{e007f}",
      "東京 ノート",
    ]
  ) {
    assert.equal(unprintableIn(ok), undefined, ok);
  }
});

Deno.test("quotedText quotes an error value with the escapes output uses, not JSON's", () => {
  assert.equal(quotedText("k\x1bk"), '"k\\x1bk"');
  assert.equal(quotedText("a\tb\u009b\u202e\u200b"), '"a\\tb\\u009b\\u202e\\u200b"');
  // A typed quote or backslash is told from the quotes and escapes added.
  assert.equal(quotedText('say "\\x1b"'), '"say \\"\\\\x1b\\""');
  assert.equal(quotedText("plain é 👍"), '"plain é 👍"');
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (t) => unprintableIn(quotedText(t)) === undefined),
  );
});

Deno.test("isUnsafeCodePoint is exactly the documented set", () => {
  const unsafe = (cp: number) =>
    cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || [0x061c, 0x200e, 0x200f].includes(cp) ||
    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xd800 && cp <= 0xdfff);
  for (let cp = 0; cp < 0x3000; cp++) assert.equal(isUnsafeCodePoint(cp), unsafe(cp), `${cp}`);
  for (const cp of [0xd800, 0xdfff, 0xfeff, 0x1f642, 0x10ffff]) {
    assert.equal(isUnsafeCodePoint(cp), unsafe(cp), `${cp}`);
  }
});

Deno.test("safeJson is the same JSON value with nothing unsafe raw", () => {
  fc.assert(
    fc.property(fc.dictionary(hostileText, hostileText, { maxKeys: 4 }), (value) => {
      const text = safeJson(value);
      assert.deepEqual(unsafeIn(text, true), [], text);
      assert.deepEqual(Object.entries(JSON.parse(text)), Object.entries(value));
    }),
    { numRuns: 1000 },
  );
  assert.equal(safeJson({ k: "\u202e\u009b\x7f" }, 0), '{"k":"\\u202e\\u009b\\u007f"}');
});

Deno.test("escapeInQuotedText keeps a TOML document's meaning", () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1 }), hostileText, { maxKeys: 4 }), (doc) => {
      const toml = escapeInQuotedText(tomlStringify(doc));
      assert.deepEqual(unsafeIn(toml, true), [], toml);
      // A lone surrogate is no character: it reads back as U+FFFD, as UTF-8 would have it.
      const fffd = (t: string) => t.replace(/\p{Cs}/gu, "\ufffd");
      const want = Object.entries(doc).map(([k, v]) => [fffd(k), fffd(v)]);
      assert.deepEqual(Object.entries(parseToml(toml)), want);
    }),
    { numRuns: 500 },
  );
});

Deno.test("the writers check every string; colour only as tones, and only when on", () => {
  const plain = captureOutput();
  plain.line("a\x1b]0;title\x07b\nnext");
  plain.error(["x\u009b", { text: "\u202eFAIL", tone: "red" }]);
  plain.json({ v: "\u202e" });
  assert.deepEqual(plain.stdout, ["a\\x1b]0;title\\x07b\nnext\n", '{\n  "v": "\\u202e"\n}\n']);
  assert.deepEqual(plain.stderr, ["x\\u009b\\u202eFAIL\n"]);

  const colour = captureOutput({ color: true });
  colour.line([{ text: "ok", tone: "green" }, " fine"]);
  assert.deepEqual(colour.stdout, ["\x1b[32mok\x1b[0m fine\n"]);
});
