/**
 * @module path_cursor
 * Rows read in path order looked up by paths asked in that same order: a
 * merge of two sorted lists (a folder's state and its index, both read from
 * SQLite ordered by path), where a map of one would hold all its rows.
 */

/** `a` against `b` by code point (the order of their UTF-8 bytes: SQLite's own): <0, 0, >0. */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (a code point past U+FFFF) sorts after every other unit,
    // though U+E000–U+FFFF are larger units.
    const sx = x >= 0xd800 && x <= 0xdfff, sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * A lookup by path into `rows`, sorted by path (code point): each path
 * asked must come after the one before (a path asked out of order throws,
 * rather than missing its row); the rows are read once, none kept.
 */
export function pathCursor<R extends { readonly path: string }>(
  rows: Iterable<R>,
): { at(path: string): R | undefined; close(): void } {
  const it = rows[Symbol.iterator]();
  let next = it.next(), last: string | undefined;
  return {
    at(path) {
      if (last !== undefined && byCodePoint(path, last) < 0) {
        throw new Error(
          `paths out of order: ${JSON.stringify(path)} after ${JSON.stringify(last)}`,
        );
      }
      last = path;
      while (!next.done && byCodePoint(next.value.path, path) < 0) next = it.next();
      return !next.done && next.value.path === path ? next.value : undefined;
    },
    close: () => void it.return?.(),
  };
}
