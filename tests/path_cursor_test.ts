/**
 * @module path_cursor_test
 * The merge `folder status` makes of a folder's state and its index, both
 * read from SQLite by path (src/cli/path_cursor.ts): its order is SQLite's
 * (the paths' UTF-8 bytes, which a JavaScript `<` is not past U+FFFF), every
 * row asked for is found, and a path asked out of order throws.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import fc from "fast-check";
import { byCodePoint, pathCursor } from "../src/cli/path_cursor.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const sign = (n: number) => Math.sign(n);
// Paths mixing ASCII, U+E000–U+FFFF and characters past U+FFFF (surrogate pairs).
const path = fc.array(fc.constantFrom("a", "b", "/", "\ue000", "\uffee", "😀", "𝔸", "é"), {
  maxLength: 6,
}).map((cs) => cs.join(""));

Deno.test("paths compare by code point: the order of their UTF-8 bytes", () => {
  fc.assert(fc.property(path, path, (a, b) => {
    const x = utf8(a), y = utf8(b);
    let byBytes = 0;
    for (let i = 0; i < Math.min(x.length, y.length) && byBytes === 0; i++) byBytes = x[i] - y[i];
    if (byBytes === 0) byBytes = x.length - y.length;
    assert.equal(sign(byCodePoint(a, b)), sign(byBytes));
  }));
  // Where a JavaScript `<` (UTF-16 units) gets it wrong.
  assert.ok("😀" < "\uffee" && byCodePoint("😀", "\uffee") > 0);
});

Deno.test("the cursor finds every row of a table read in SQLite's path order", () => {
  fc.assert(fc.property(fc.uniqueArray(path, { maxLength: 30 }), fc.array(path), (rows, asked) => {
    const db = new DatabaseSync(":memory:");
    try {
      db.exec("CREATE TABLE t (path TEXT PRIMARY KEY) WITHOUT ROWID");
      const put = db.prepare("INSERT INTO t VALUES (?)");
      for (const p of rows) put.run(p);
      const read = db.prepare("SELECT path FROM t ORDER BY path").iterate() as Iterable<
        { path: string }
      >;
      const cursor = pathCursor(read);
      const wanted = [...new Set([...asked, ...rows])].sort(byCodePoint);
      for (const p of wanted) assert.equal(cursor.at(p)?.path, rows.includes(p) ? p : undefined);
      cursor.close();
    } finally {
      db.close();
    }
  }));
});

Deno.test("the cursor refuses a path asked before the one it was last asked", () => {
  const cursor = pathCursor([{ path: "a" }, { path: "b" }]);
  assert.equal(cursor.at("b")?.path, "b");
  assert.throws(() => cursor.at("a"), /paths out of order/);
});
